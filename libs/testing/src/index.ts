export { createTestEnvironment, deleteRedisPrefix, TEST_REDIS_URL, type TestEnvironment } from './test-environment.js';
export { createTestDatabase, templateDatabaseName, withServerClient, testDatabaseUrl, type TestDatabase } from './test-database.js';
export { startTestApi, startTestWorker, baseUrlOf, setAuthRateLimits } from './test-app.js';
export { startSmtpSink, type SmtpSink, type ReceivedMail } from './smtp-sink.js';
export { startTestWitness, type TestWitness, type TestWitnessOptions } from './test-witness.js';
export { startTestSandbox, TEST_STRIPE_SECRET_KEY, TEST_STRIPE_WEBHOOK_SECRET, TEST_RETRY_POLICY, type TestSandbox, type TestSandboxOptions } from './stripe-sandbox.js';
export { launchBrowser, CHROMIUM_FLAGS, CHROMIUM_PATH } from './browser.js';
export { contrastFailures } from './accessibility.js';
export { axeViolations, expectAccessibleByAxe, AXE_WCAG_TAGS, type AxeOptions } from './axe.js';
export {
  createOrganizationWithOwner, addMember, addMemberWithDetails, createApiKey, createCampaign, campaignInput, signUpUser, uniqueEmail, TEST_PASSWORD,
  type TestOrganization, type ApiTarget, type MemberRole,
} from './organization-factory.js';
export { csrfOf, postDashboardForm, signInToDashboard, signInBrowserPage, checkDashboardPage, type DashboardAgent } from './dashboard.js';
export { within } from './teardown.js';
export { ENHANCEMENT_SCRIPTS, UNEXPECTED_SCRIPTS } from './page-scripts.js';
export { makePng, makeJpegHeader, makeWebpHeader } from './images.js';
export { startReplicatedPostgres, type ReplicatedPostgres } from './replicated-postgres.js';
export { startRedisCluster, failoverClusterMasterOf, CLUSTER_FAILOVER_MAX_MS, type TestRedisCluster, type RedisClusterOptions } from './redis-cluster.js';
export { startRedisSentinel, type TestRedisSentinel } from './redis-sentinel.js';
