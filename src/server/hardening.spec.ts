import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import type { GraphQLLimitsConfig } from '../config/config';
import { HubError } from '../common/hub-error';
import { hardeningRules, operationCostErrors } from './hardening';

const schema = buildSchema(`
  type Query {
    items(first: Int = 50): ItemConnection!
    changes(first: Int = 100): ItemConnection!
    item: Item
  }
  type ItemConnection { edges: [ItemEdge!]! total: Int! }
  type ItemEdge { node: Item! }
  type Item { id: ID! name: String parent: Item children(first: Int = 50): ItemConnection! }
`);

const LIMITS: GraphQLLimitsConfig = {
  maxDepth: 4,
  maxCost: 1,
  maxAliases: 2,
  maxDirectives: 2,
  maxTokens: 1000,
  timeoutMs: 1000,
  maxBodyBytes: 1024,
  introspection: true,
};

function refusals(query: string, variables: Record<string, unknown> = {}, limits = LIMITS) {
  return operationCostErrors(schema, parse(query), undefined, variables, limits).map((error) => {
    const cause = error.originalError as HubError;
    return { code: cause.code, ...cause.details } as Record<string, unknown>;
  });
}

/** The operation's cost, as the refusal at a limit of 1 reports it. */
function cost(query: string, variables: Record<string, unknown> = {}): number | undefined {
  const [refusal] = refusals(query, variables);
  return refusal?.cost as number | undefined;
}

describe('operation cost', () => {
  it('counts 1 per field and a paged selection `first` times', () => {
    // node 1 + id 1 + name 1 = 3; edges 1 + 3 = 4; items 1 + 10 × 4.
    expect(cost('{ items(first: 10) { edges { node { id name } } } }')).toBe(41);
  });

  it('multiplies nested pages', () => {
    // children: 1 + 5 × (edges 1 + node 1 + id 1) = 16; items: 1 + 10 × (edges 1 + node 1 + 16).
    expect(cost('{ items(first: 10) { edges { node { children(first: 5) { edges { node { id } } } } } } }')).toBe(181);
  });

  it('charges the default page when `first` is omitted, and the variable when given', () => {
    expect(cost('{ items { total } }')).toBe(51);
    expect(cost('query($n: Int) { items(first: $n) { total } }', { n: 3 })).toBe(4);
    expect(cost('query($n: Int = 7) { items(first: $n) { total } }')).toBe(8);
  });

  it('counts fragments and leaves out what @skip / @include drop', () => {
    expect(cost('{ items(first: 2) { ...T } } fragment T on ItemConnection { total edges { node { id } } }')).toBe(9);
    const query = 'query($s: Boolean!) { items(first: 10) { total } b: items(first: 20) @skip(if: $s) { total } }';
    expect(cost(query, { s: true })).toBe(11);
    expect(cost(query, { s: false })).toBe(32);
  });

  it('accepts an operation within the limit', () => {
    expect(refusals('{ items(first: 10) { total } }', {}, { ...LIMITS, maxCost: 11 })).toEqual([]);
  });
});

describe('page caps', () => {
  it('refuses a `first` above the cap (200; 1,000 for changes) or below 1, before the cost', () => {
    expect(refusals('{ items(first: 201) { total } }')).toEqual([
      { code: 'BAD_USER_INPUT', argument: 'first', field: 'Query.items', max: 200 },
    ]);
    expect(refusals('query($n: Int) { item { children(first: $n) { total } } }', { n: 0 })).toEqual([
      { code: 'BAD_USER_INPUT', argument: 'first', field: 'Item.children', max: 200 },
    ]);
    expect(refusals('{ changes(first: 1001) { total } }')[0]).toMatchObject({ code: 'BAD_USER_INPUT', max: 1000 });
    expect(refusals('{ changes(first: 1000) { total } }', {}, { ...LIMITS, maxCost: 1001 })).toEqual([]);
  });

  it('leaves variables that do not coerce to execution, which refuses them before any resolver', () => {
    expect(refusals('query($n: Int!) { items(first: $n) { total } }', {})).toEqual([]);
    expect(refusals('query($n: Int) { items(first: $n) { total } }', { n: 'many' })).toEqual([]);
  });
});

describe('validation rules', () => {
  const codes = (query: string) =>
    validate(schema, parse(query), [...specifiedRules, ...hardeningRules(LIMITS)]).map(
      (error) => (error.originalError as HubError | undefined)?.code ?? 'GRAPHQL',
    );

  it('limits depth; fragments add no level', () => {
    expect(codes('{ item { parent { parent { id } } } }')).toEqual([]);
    expect(codes('{ item { parent { parent { parent { id } } } } }')).toEqual(['QUERY_TOO_DEEP']);
    expect(codes('{ item { ...P } } fragment P on Item { parent { parent { id } } }')).toEqual([]);
  });

  it('limits aliases and directives per operation, fragments included', () => {
    expect(codes('{ a: item { id } b: item { id } }')).toEqual([]);
    expect(codes('{ a: item { ...F } } fragment F on Item { b: id c: name }')).toEqual(['TOO_MANY_ALIASES']);
    expect(codes('{ item { id @skip(if: false) name @skip(if: false) parent @skip(if: false) { id } } }')).toEqual([
      'TOO_MANY_DIRECTIVES',
    ]);
  });
});
