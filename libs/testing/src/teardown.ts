/**
 * Waits for a teardown step at most `ms`, then goes on, saying which step it left behind: a worker cut
 * off by a proxy may never settle a round trip lost with its connections (it hung teardowns under load
 * in CI), and what it would still do changes nothing a test reads.
 */
export async function within(step: string, run: () => Promise<unknown>, ms = 20_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), ms); });
  const outcome = await Promise.race([run().then(() => 'done' as const, () => 'failed' as const), late]);
  clearTimeout(timer);
  if (outcome !== 'done') console.warn(`teardown: ${step} ${outcome === 'late' ? `still pending after ${ms} ms` : 'failed'}; going on`);
}
