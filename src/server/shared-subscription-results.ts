import {
  createSourceEventStream,
  execute,
  print,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
} from 'graphql';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** For each event object in flight, the result of each distinct subscription operation run on it. */
const resultsByEvent = new WeakMap<object, Map<string, Result>>();

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * graphql's `subscribe`, except that subscribers running the same operation (document, variables, actor) share
 * one execution per event: the change feed hands one event object to every matching subscription of the
 * process, so 1,000 subscribers of `changes { id cursor payload }` cost one execution per event, not 1,000.
 * What differs per subscriber — its own socket message — is left to graphql-ws.
 */
export async function subscribeSharingResults(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source as ExecutionResult;
  const operation = args.document.definitions.find(
    (d): d is OperationDefinitionNode =>
      d.kind === 'OperationDefinition' && (!args.operationName || d.name?.value === args.operationName),
  );
  const context = args.contextValue as { actor?: string; principal?: { scopes: ReadonlySet<string> } } | undefined;
  // The same caller with the same scopes sees the same results (masking depends on `pii:read`).
  const scopes = [...(context?.principal?.scopes ?? [])].sort().join(' ');
  const key = JSON.stringify([
    context?.actor ?? '',
    scopes,
    args.operationName ?? null,
    print(args.document),
    args.variableValues ?? {},
  ]);
  const run = (event: unknown): Result => execute({ ...args, rootValue: event });
  const resultFor = (event: unknown): Result => {
    if (typeof event !== 'object' || event === null || !operation) return run(event);
    let results = resultsByEvent.get(event);
    if (!results) resultsByEvent.set(event, (results = new Map()));
    let result = results.get(key);
    if (!result) results.set(key, (result = run(event)));
    return result;
  };
  const events = source[Symbol.asyncIterator]();
  const done = { done: true, value: undefined } as const;
  const results: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const step = await events.next();
      return step.done ? step : { done: false, value: await resultFor(step.value) };
    },
    async return() {
      await events.return?.();
      return done;
    },
    async throw(error: unknown) {
      if (events.throw) await events.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return results;
    },
  };
  return results;
}
