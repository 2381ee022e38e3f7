// The development demo operator for `npm start`: created once (idempotent), never outside development,
// where an account with a published password would be an open door. Its login is printed with the URLs.
import path from 'node:path';

export const DEMO_OPERATOR = { email: 'operator@ataa.local', password: 'demo-operator-password' };

/** Creates the demo operator once; answers the summary's lines (`[label, value]`) or null. */
export async function seedDemoOperator({ databaseUrl, say, publicBase }) {
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
    return {
      ...DEMO_OPERATOR,
      lines: [['Operator console', `${publicBase}/console/sign-in`], ['Operator login', `${DEMO_OPERATOR.email} / ${DEMO_OPERATOR.password}`]],
    };
  } catch (error) {
    say(`demo operator seed failed: ${error?.message ?? error}`);
    return null;
  }
}
