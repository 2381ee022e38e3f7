/**
 * Every rate limit of the platform and its policy, in one table. The numbers (attempts per window)
 * come from the configuration (AUTH_RATE_LIMITS, LOGIN_FAILURES_PER_ACCOUNT, CHECKOUTS_PER_ADDRESS);
 * what a limit counts, how its window runs and what happens while Redis cannot answer are decided
 * here. Pure: no decorators, no I/O (the Redis side is RateLimiter).
 */
export interface RateLimitRule {
  /** Attempts allowed per window. */
  limit: number;
  windowSeconds: number;
}

export type RateLimitName =
  | 'loginFailuresPerIpAndEmail'
  | 'loginFailuresPerIp'
  | 'loginFailuresPerAccount'
  | 'secondFactorFailuresPerAccount'
  | 'signupsPerIp'
  | 'checkoutsPerAddress'
  | 'reportsPerAddress'
  | 'dataExportsPerEmail'
  | 'dataExportsPerAddress'
  | 'erasureRequestsPerAddress'
  | 'erasureRequestsPerEmail'
  | 'passwordResetsPerAddress'
  | 'passwordResetsPerEmail'
  | 'verificationMailsPerAccount'
  | 'accountLinksPerAddress'
  | 'donorSignInLinksPerAddress'
  | 'donorSignInLinksPerEmail';

export interface RateLimitPolicy {
  /** The Redis key segment (kept from the earlier limiter so that counters carry over a deploy). */
  bucket: string;
  /**
   * `from-first`: the window starts at the subject's first counted attempt and ends a window later.
   * `from-last`: the window restarts at every counted attempt, so `limit` attempts each within a
   * window of the previous one lock the subject until a whole window has passed since the last.
   */
  window: 'from-first' | 'from-last';
  /**
   * What a request does when Redis does not answer within REDIS_REQUEST_TIMEOUT_MS: true lets
   * it through uncounted (fail open), false refuses it with 503 `rate_limit_unavailable` (fail
   * closed). A request taking several limits fails closed if any of them does.
   */
  failOpen: boolean;
}

export const RATE_LIMIT_POLICIES: Readonly<Record<RateLimitName, RateLimitPolicy>> = {
  // Failed logins (a point is reserved before the password is checked and given back when it is
  // right, so successful logins are never limited). All fail open: while Redis is down people can
  // still sign in, and guessing stays slow anyway (every guess costs an argon2id verification); a
  // locked-out platform during a Redis outage would be worse than unthrottled guessing for minutes.
  loginFailuresPerIpAndEmail: { bucket: 'login', window: 'from-first', failOpen: true },
  loginFailuresPerIp: { bucket: 'login-ip', window: 'from-first', failOpen: true },
  // Per account from any address: the window restarts at every failure (a slow, steady guesser
  // stays locked); refused attempts are not counted, so a lock always ends.
  loginFailuresPerAccount: { bucket: 'login-account', window: 'from-last', failOpen: true },
  // Wrong second-factor codes (TOTP or recovery) per account, after the right password, at sign-in and
  // on the security page; a point is given back when the code is right. The window restarts at every
  // failure. Fail closed, unlike the password limits: six digits are far easier to guess than a
  // password, the account's owner chose the stronger sign-in, and an outage only delays it.
  secondFactorFailuresPerAccount: { bucket: 'second-factor', window: 'from-last', failOpen: false },
  // Sign-ups per address, every attempt (valid or not). Fail open: an outage must not stop new
  // organizations from joining; accounts are cheap to clean up, a lost sign-up is not recoverable.
  signupsPerIp: { bucket: 'signup', window: 'from-first', failOpen: true },
  // Checkout attempts per address across campaigns (card testing). Fail open: donations keep
  // working during an outage; Stripe's own fraud checks still stand behind every payment.
  checkoutsPerAddress: { bucket: 'checkout', window: 'from-first', failOpen: true },
  // Data-export requests (the public privacy form) per e-mail address (keyed by its hash) and per
  // client address. Fail closed: each request may send an e-mail to the address typed in, and an
  // unthrottled form would let anyone flood an inbox; an export can wait out an outage.
  dataExportsPerEmail: { bucket: 'export-email', window: 'from-first', failOpen: false },
  dataExportsPerAddress: { bucket: 'export-ip', window: 'from-first', failOpen: false },
  // Erasure link requests (the privacy page) per client address and per e-mail address (keyed hash),
  // every attempt. Fail closed: each request may e-mail someone, and an outage must not turn the
  // form into a way to flood an inbox; asking again a little later costs the donor nothing.
  erasureRequestsPerAddress: { bucket: 'erasure-ip', window: 'from-first', failOpen: false },
  erasureRequestsPerEmail: { bucket: 'erasure-email', window: 'from-first', failOpen: false },
  // Reports (donor-wall messages, campaigns) per address, every attempt. Fail closed: a report can
  // wait a few seconds, and an unthrottled flood during an outage would bury the moderators' queue.
  reportsPerAddress: { bucket: 'report', window: 'from-first', failOpen: false },
  // Password-reset requests (the dashboard's form) per client address and per e-mail address (keyed
  // hash), every attempt, and verification e-mails per account. Fail closed, like the privacy forms:
  // each may e-mail someone, and asking again a little later costs nothing.
  passwordResetsPerAddress: { bucket: 'reset-ip', window: 'from-first', failOpen: false },
  passwordResetsPerEmail: { bucket: 'reset-email', window: 'from-first', failOpen: false },
  verificationMailsPerAccount: { bucket: 'verify-mail', window: 'from-first', failOpen: false },
  // Opening e-mailed account links (verify, reset) per client address, every attempt. The tokens are
  // 256-bit, so this only slows scanners; fail open so an outage never locks someone out of a reset.
  accountLinksPerAddress: { bucket: 'account-link', window: 'from-first', failOpen: true },
  // Donor page sign-in links (magic links, /donor) per client address and per e-mail address (keyed
  // hash), every attempt. Fail closed, like the privacy forms: every request e-mails the address
  // typed in (known or not), so an outage must not turn the form into a mail bomb; a donor asking
  // again a minute later loses nothing.
  donorSignInLinksPerAddress: { bucket: 'donor-link-ip', window: 'from-first', failOpen: false },
  donorSignInLinksPerEmail: { bucket: 'donor-link-email', window: 'from-first', failOpen: false },
};

/** One limit to take a point from, for one subject (an address, an address and e-mail, an account hash). */
export interface RateLimitClaim {
  limit: RateLimitName;
  subject: string;
}

/** Whether a request taking these limits goes on (open) or is refused (closed) when Redis fails. */
export function onRedisFailure(claims: readonly RateLimitClaim[], policies: Readonly<Record<RateLimitName, RateLimitPolicy>> = RATE_LIMIT_POLICIES): 'open' | 'closed' {
  return claims.every((claim) => policies[claim.limit].failOpen) ? 'open' : 'closed';
}
