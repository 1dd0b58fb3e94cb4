import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { ApolloServerOptionsWithSchema, ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { MiddlewareFn } from 'type-graphql';
import { ErrorCode, HubError } from '../common/hub-error';
import type { GraphQLLimitsConfig } from '../config/config';
import { MAX_CHANGES_PAGE, MAX_PAGE } from '../schema/connection.type';

/**
 * GraphQL hardening, the same for HTTP (Apollo) and WebSocket (graphql-ws) operations:
 * - validation rules: depth, aliases and directives per operation (graphql-armor), introspection when it is off;
 * - before execution, with the variables: every `first` within its page cap, and the operation's cost;
 * - while executing: a deadline after which no further resolver starts (`OPERATION_TIMEOUT`);
 * - parse limit (tokens), field suggestions hidden when introspection is off.
 * Each refusal is a GraphQL error carrying a {@link HubError}, so the error formatter shows its code.
 */

/** Largest `first` per field (`Type.field`); every other `first` argument is capped at {@link MAX_PAGE}. */
const PAGE_CAPS: Readonly<Record<string, number>> = { 'Query.changes': MAX_CHANGES_PAGE };

/** A GraphQL error whose cause is a coded {@link HubError}; over HTTP Apollo answers it with a 400. */
function refusal(code: ErrorCode, message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, {
    originalError: new HubError(code, message, details),
    extensions: { http: { status: 400 } },
  });
}

/** graphql-armor reports through these callbacks; we report a coded error instead of its generic one. */
function reportAs(code: ErrorCode) {
  return {
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(refusal(code, error.message.replace(/^Syntax Error: /, ''))),
    ],
  };
}

/** Static rules for every operation, run with graphql's own (Apollo `validationRules`; graphql-ws `onSubscribe`). */
export function hardeningRules(limits: GraphQLLimitsConfig): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ...reportAs(ErrorCode.QueryTooDeep) }),
    maxAliasesRule({ n: limits.maxAliases, ...reportAs(ErrorCode.TooManyAliases) }),
    maxDirectivesRule({ n: limits.maxDirectives, ...reportAs(ErrorCode.TooManyDirectives) }),
  ];
}

/**
 * The cost of a field: 1, plus its selection's cost times `first` where it pages (a connection of 50 profiles
 * costs 50 profiles); lists without `first` count once. A `first` outside 1…cap is reported in `pageErrors`.
 */
function costEstimator(pageErrors: GraphQLError[]): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    if (!field.args.some((arg) => arg.name === 'first')) return 1 + childComplexity;
    const cap = PAGE_CAPS[`${type.name}.${field.name}`] ?? MAX_PAGE;
    const first = typeof args.first === 'number' ? args.first : cap;
    if (first < 1 || first > cap) {
      pageErrors.push(
        refusal(ErrorCode.BadUserInput, `\`first\` on ${type.name}.${field.name} must be from 1 to ${cap}`, {
          argument: 'first',
          field: `${type.name}.${field.name}`,
          max: cap,
        }),
      );
    }
    return 1 + Math.min(Math.max(first, 1), cap) * Math.max(childComplexity, 1);
  };
}

/**
 * Checks a validated operation with its variables: `first` caps, then the cost limit. Variables that do not
 * coerce are left to execution, which refuses them before any resolver runs.
 */
export function operationCostErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  limits: GraphQLLimitsConfig,
): GraphQLError[] {
  const operation = getOperationAST(document, operationName);
  if (!operation) return [];
  if (getVariableValues(schema, operation.variableDefinitions ?? [], { ...variables }).errors) return [];
  // The cost depends on the document and only on the variables given to `first` or to @include/@skip: Apollo hands
  // the same parsed document to every request of the same query, so the answer is kept per document and values.
  // Only passes are kept (a refusal is built fresh, as rare as it should be).
  let passed = costPasses.get(document);
  if (!passed) costPasses.set(document, (passed = new Set()));
  const key = JSON.stringify([
    operationName ?? null,
    limits.maxCost,
    costVariables(document).map((v) => variables?.[v]),
  ]);
  if (passed.has(key)) return [];
  const errors = computeCostErrors(schema, document, operation, variables, limits);
  if (errors.length === 0) {
    if (passed.size >= 100) passed.delete(passed.values().next().value!);
    passed.add(key);
  }
  return errors;
}

const costPasses = new WeakMap<DocumentNode, Set<string>>();
const costVariableNames = new WeakMap<DocumentNode, string[]>();

/** Variables the cost can depend on: values of `first` arguments and of directives' `if`. */
function costVariables(document: DocumentNode): string[] {
  let names = costVariableNames.get(document);
  if (!names) {
    const found = new Set<string>();
    visit(document, {
      Argument(node) {
        if ((node.name.value === 'first' || node.name.value === 'if') && node.value.kind === Kind.VARIABLE) {
          found.add(node.value.name.value);
        }
      },
    });
    costVariableNames.set(document, (names = [...found].sort()));
  }
  return names;
}

function computeCostErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  limits: GraphQLLimitsConfig,
): GraphQLError[] {
  const pageErrors: GraphQLError[] = [];
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      operationName: operation.name?.value,
      variables: { ...variables },
      estimators: [costEstimator(pageErrors)],
    });
  } catch {
    // Only a document that expands to more nodes than the library walks (fragments spread over and over) gets here.
    cost = Infinity;
  }
  if (pageErrors.length > 0) return pageErrors;
  if (cost > limits.maxCost) {
    const found = Number.isFinite(cost) ? `, found ${cost}` : '';
    return [
      refusal(ErrorCode.QueryTooCostly, `Query cost limit of ${limits.maxCost} exceeded${found}.`, {
        maxCost: limits.maxCost,
        ...(Number.isFinite(cost) ? { cost } : {}),
      }),
    ];
  }
  return [];
}

/** Apollo plugin: the cost check once the operation is known (Apollo answers the first refusal with a 400). */
function operationCostPlugin<TContext extends BaseContext>(limits: GraphQLLimitsConfig): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          const errors = operationCostErrors(schema, document, request.operationName, request.variables, limits);
          if (errors.length > 0) throw errors[0];
        },
      };
    },
  };
}

/**
 * The Apollo settings that harden `/graphql`: these rules, a token limit on parsing, no batching, CSRF
 * prevention, introspection and suggestions as configured. Spread into the ApolloServer options; add `plugins`.
 */
export function hardenedApolloOptions<TContext extends BaseContext>(
  limits: GraphQLLimitsConfig,
): Pick<
  ApolloServerOptionsWithSchema<TContext>,
  | 'introspection'
  | 'validationRules'
  | 'validationOptions'
  | 'hideSchemaDetailsFromClientErrors'
  | 'parseOptions'
  | 'maxRecursiveSelections'
  | 'allowBatchedHttpRequests'
  | 'csrfPrevention'
  | 'includeStacktraceInErrorResponses'
> & { plugins: ApolloServerPlugin<TContext>[] } {
  return {
    introspection: limits.introspection,
    validationRules: hardeningRules(limits),
    validationOptions: { hideSuggestions: !limits.introspection },
    hideSchemaDetailsFromClientErrors: !limits.introspection,
    parseOptions: { maxTokens: limits.maxTokens },
    // Fragments that reference each other can make validation itself expensive: Apollo's guard against that.
    maxRecursiveSelections: true,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    plugins: [operationCostPlugin(limits)],
  };
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.originalError instanceof HubError) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}

/**
 * graphql-ws `onSubscribe`: parses, validates and checks a subscribe message exactly as Apollo does an HTTP
 * request; errors go back to the client as an `error` message for that operation, the socket stays open.
 */
export function prepareWebSocketOperation(
  schema: GraphQLSchema,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  limits: GraphQLLimitsConfig,
): ExecutionArgs | GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens: limits.maxTokens });
  } catch (error) {
    if (error instanceof GraphQLError) return [withCode(error, 'GRAPHQL_PARSE_FAILED')];
    throw error;
  }
  const rules = [
    ...specifiedRules,
    ...(limits.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
    ...hardeningRules(limits),
  ];
  const invalid = validate(schema, document, rules, { hideSuggestions: !limits.introspection });
  if (invalid.length > 0) return invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
  const refused = operationCostErrors(schema, document, payload.operationName, payload.variables, limits);
  if (refused.length > 0) return refused;
  return {
    schema,
    document,
    operationName: payload.operationName,
    variableValues: payload.variables,
    hideSuggestions: !limits.introspection,
  };
}

/** When the first resolver of each operation (its context) started, in `performance.now()` milliseconds. */
const operationStarts = new WeakMap<object, number>();

/**
 * type-graphql global middleware: the operation's deadline starts with its first resolver; after it no resolver
 * of a query starts (`OPERATION_TIMEOUT`), and a mutation starts no further top-level field — the result of a write
 * that already ran is still returned. Subscriptions run for as long as the client stays.
 */
export function operationDeadline(timeoutMs: number): MiddlewareFn<object> {
  return ({ context, info }, next) => {
    if (info.operation.operation === 'subscription') return next();
    const now = performance.now();
    const started = operationStarts.get(context);
    if (started === undefined) {
      operationStarts.set(context, now);
    } else if (now - started > timeoutMs && (info.operation.operation === 'query' || info.path.prev === undefined)) {
      throw new HubError(ErrorCode.OperationTimeout, `the operation ran past its ${timeoutMs} ms limit`, {
        timeoutMs,
      });
    }
    return next();
  };
}

/** Removes graphql-js's "Did you mean …?" hints (schema details) from an error formatter's messages. */
export function withoutSuggestions(
  format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const result = format(formatted, error);
    return { ...result, message: result.message.replace(/ ?Did you mean .+\?$/, '') };
  };
}
