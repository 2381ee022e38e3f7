export { createWorkerApp } from './create-worker-app.js';
export { WorkerModule } from './worker.module.js';
