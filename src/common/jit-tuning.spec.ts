import { BULK_INGEST_V8_FLAGS, jitTuningEnabled, tuneJitForBulkIngest } from './jit-tuning';

describe('tuneJitForBulkIngest', () => {
  it('sets the smaller inlining budget unless PROFILE_HUB_JIT_TUNING=off', () => {
    expect(BULK_INGEST_V8_FLAGS).toEqual(['--max-inlined-bytecode-size-cumulative=300']);
    expect(jitTuningEnabled({})).toBe(true);
    expect(jitTuningEnabled({ PROFILE_HUB_JIT_TUNING: 'on' })).toBe(true);
    expect(jitTuningEnabled({ PROFILE_HUB_JIT_TUNING: 'OFF' })).toBe(false);
    expect(tuneJitForBulkIngest({ PROFILE_HUB_JIT_TUNING: 'off' })).toEqual([]);
    expect(tuneJitForBulkIngest({})).toEqual(BULK_INGEST_V8_FLAGS);
  });
});
