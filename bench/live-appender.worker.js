// Appends to a campaign's public log, one entry after another 10 ms apart (as gifts post them), from a
// worker thread of transparency.bench.js, between its 'start' and 'stop' messages; answers the number
// appended. Entries are numbered from workerData.first (the donor is "Bench donor <n>").
import { parentPort, workerData } from 'node:worker_threads';
import { openAppender } from './ledger-appender.js';

const appender = await openAppender(workerData.dbUrl);
let appending = true;
const started = new Promise((resolve) => parentPort.once('message', resolve));
parentPort.postMessage({ ready: true });
await started;
parentPort.once('message', () => {
  appending = false;
});
let appended = 0;
while (appending) {
  await appender.append(workerData.campaign, workerData.first + appended);
  appended++;
  await new Promise((resolve) => setTimeout(resolve, 10));
}
await appender.close();
parentPort.postMessage({ appended });
