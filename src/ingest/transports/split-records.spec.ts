import { splitRecords } from './http-ingest';

describe('splitRecords', () => {
  it('reads one record, an array, or pretty-printed JSON as a whole document', () => {
    expect(splitRecords('{"externalId":"1"}', 'application/json')).toEqual({
      records: [{ externalId: '1' }],
      badLines: [],
    });
    expect(splitRecords('[{"externalId":"1"},{"externalId":"2"}]', undefined)!.records).toHaveLength(2);
    const pretty = JSON.stringify({ externalId: '1', attributes: { email: 'a@x.io' } }, null, 2);
    expect(splitRecords(pretty, 'application/json')).toEqual({
      records: [{ externalId: '1', attributes: { email: 'a@x.io' } }],
      badLines: [],
    });
  });

  it('reads NDJSON line by line and reports the unreadable lines', () => {
    const body = '{"externalId":"1"}\n{"externalId":\n\n{"externalId":"3"}\n';
    expect(splitRecords(body, 'application/x-ndjson')).toEqual({
      records: [{ externalId: '1' }, { externalId: '3' }],
      badLines: [{ line: 1, raw: '{"externalId":' }],
    });
    expect(splitRecords(body, undefined)!.records).toHaveLength(2);
  });

  it('gives up on a body with nothing readable', () => {
    expect(splitRecords('not json', 'application/json')).toBeUndefined();
    expect(splitRecords('nope\nstill nope', undefined)).toBeUndefined();
  });
});
