import { loadConfig } from '../config/config';

describe('WEBHOOK_* configuration', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({}, '/srv/hub').webhooks).toEqual({
      timeoutMs: 10_000,
      maxAttempts: 12,
      retryBaseMs: 1000,
      retryMaxMs: 3_600_000,
      pollIntervalMs: 5000,
    });
  });

  it('reads the variables', () => {
    const config = loadConfig({
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_RETRY_MAX_MS: '400',
      WEBHOOK_POLL_INTERVAL_MS: '200',
    });
    expect(config.webhooks).toEqual({
      timeoutMs: 2000,
      maxAttempts: 3,
      retryBaseMs: 50,
      retryMaxMs: 400,
      pollIntervalMs: 200,
    });
  });

  it.each([
    ['WEBHOOK_MAX_ATTEMPTS', '0', /WEBHOOK_MAX_ATTEMPTS: "0" is not allowed/],
    ['WEBHOOK_TIMEOUT_MS', 'soon', /WEBHOOK_TIMEOUT_MS: "soon" is not allowed/],
    ['WEBHOOK_POLL_INTERVAL_MS', '10', /WEBHOOK_POLL_INTERVAL_MS/],
  ])('refuses %s=%s with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('refuses a retry cap below the base', () => {
    expect(() => loadConfig({ WEBHOOK_RETRY_BASE_MS: '5000', WEBHOOK_RETRY_MAX_MS: '1000' })).toThrow(
      /WEBHOOK_RETRY_MAX_MS.*WEBHOOK_RETRY_BASE_MS/,
    );
  });
});
