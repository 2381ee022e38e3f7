// The development demo operator for `npm start`: created once (idempotent), never outside development,
// where an account with a published password would be an open door. Its login is printed with the URLs.
import path from 'node:path';

export const DEMO_OPERATOR = { email: 'operator@ataa.local', password: 'demo-operator-password' };

export async function seedDemoOperator({ databaseUrl, say }) {
  if ((process.env.NODE_ENV ?? 'development') !== 'development') return null;
  const root = path.resolve(import.meta.dirname, '..');
  try {
    const { openOperatorProvisioning } = await import(path.join(root, 'dist/libs/operators/src/index.js'));
    const { provisioning, close } = await openOperatorProvisioning(databaseUrl);
    try {
      if (!(await provisioning.find(DEMO_OPERATOR.email))) {
        await provisioning.create(DEMO_OPERATOR.email, DEMO_OPERATOR.password);
        say('demo seed: created the demo operator');
      }
    } finally {
      await close();
    }
    return { ...DEMO_OPERATOR };
  } catch (error) {
    say(`demo operator seed failed: ${error?.message ?? error}`);
    return null;
  }
}
