import { AdapterError } from '../adapter';

/** An `EntityReference` value: a lookup to another row (`parentcustomerid`, `originatingleadid` …). */
export interface DynamicsReference {
  id: string;
  logicalName: string | undefined;
  name: string | null | undefined;
}

/** The parts of a `RemoteExecutionContext` (the body Dataverse posts to a service-endpoint webhook) the hub reads. */
export interface DynamicsExecutionContext {
  messageName: string;
  primaryEntityName: string;
  /** Lower-cased GUID. */
  primaryEntityId: string;
  requestId: string | undefined;
  operationId: string | undefined;
  correlationId: string | undefined;
  /** `OperationCreatedOn` as ISO 8601. */
  operationCreatedOn: string | undefined;
  depth: number | undefined;
  /** `InputParameters.Target`: an entity's changed attributes (Create, Update) or a reference (Delete, Merge). */
  target:
    | { kind: 'entity'; attributes: Record<string, unknown> }
    | { kind: 'reference'; reference: DynamicsReference }
    | undefined;
  /** Merge: the row merged into the target (`SubordinateId`). */
  subordinateId: string | undefined;
  /** Attributes of the first post-operation image, when the step registered one (nulls are omitted there). */
  postImage: Record<string, unknown> | undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';
const DOTNET_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

/**
 * Parses JSON keeping integers beyond 2^53 exact: they become decimal strings (Dataverse `versionnumber` is a
 * 64-bit row version).
 */
export function parseJsonExact(text: string): unknown {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j])) j++;
      const token = text.slice(i, j);
      if (/^-?\d{16,}$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out += `${text.slice(last, i)}"${token}"`;
        last = j;
      }
      i = j - 1;
    }
  }
  return JSON.parse(out + text.slice(last));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function guid(value: unknown): string | undefined {
  return typeof value === 'string' && GUID.test(value) && value !== EMPTY_GUID ? value.toLowerCase() : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** `/Date(1700000000000)/` or `/Date(1700000000000-0700)/` → ISO 8601 (the number is UTC milliseconds). */
export function dotnetInstant(value: unknown): string | undefined {
  const match = typeof value === 'string' ? DOTNET_DATE.exec(value) : null;
  if (!match) return undefined;
  const date = new Date(Number(match[1]));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Dataverse's `[{ key, value }]` collections as an object. */
function keyValues(collection: unknown): Record<string, unknown> {
  const bag: Record<string, unknown> = {};
  if (!Array.isArray(collection)) return bag;
  for (const entry of collection) {
    if (isObject(entry) && typeof entry.key === 'string') bag[entry.key] = entry.value;
  }
  return bag;
}

/** An EntityReference (`__type: "EntityReference:…"`, or the Id/LogicalName shape without attributes). */
export function asReference(value: unknown): DynamicsReference | undefined {
  if (!isObject(value)) return undefined;
  const type = typeof value.__type === 'string' ? value.__type : '';
  const looksLike =
    type.startsWith('EntityReference:') || (!type && 'LogicalName' in value && !('Attributes' in value));
  const id = guid(value.Id);
  if (!looksLike || !id) return undefined;
  return {
    id,
    logicalName: text(value.LogicalName),
    name: typeof value.Name === 'string' ? value.Name : value.Name === null ? null : undefined,
  };
}

/**
 * Reads the webhook body. Not JSON, or JSON without `MessageName`, `PrimaryEntityName` and a GUID
 * `PrimaryEntityId`, is `MALFORMED_PAYLOAD`.
 */
export function parseExecutionContext(rawBody: Buffer): DynamicsExecutionContext {
  let body: unknown;
  try {
    body = parseJsonExact(rawBody.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    throw new AdapterError('MALFORMED_PAYLOAD', 'the body is not JSON');
  }
  if (!isObject(body)) throw new AdapterError('MALFORMED_PAYLOAD', 'expected a RemoteExecutionContext object');
  const messageName = text(body.MessageName);
  const primaryEntityName = text(body.PrimaryEntityName);
  const primaryEntityId = guid(body.PrimaryEntityId);
  if (!messageName || !primaryEntityName || !primaryEntityId) {
    throw new AdapterError(
      'MALFORMED_PAYLOAD',
      'not a RemoteExecutionContext: MessageName, PrimaryEntityName and a GUID PrimaryEntityId are required',
    );
  }
  const inputs = keyValues(body.InputParameters);
  let target: DynamicsExecutionContext['target'];
  const reference = asReference(inputs.Target);
  if (reference) target = { kind: 'reference', reference };
  else if (isObject(inputs.Target) && Array.isArray(inputs.Target.Attributes)) {
    target = { kind: 'entity', attributes: keyValues(inputs.Target.Attributes) };
  }
  const images = Array.isArray(body.PostEntityImages) ? body.PostEntityImages : [];
  const firstImage = images.find((image) => isObject(image) && isObject(image.value));
  const postImage =
    isObject(firstImage) && isObject(firstImage.value) ? keyValues(firstImage.value.Attributes) : undefined;
  return {
    messageName,
    primaryEntityName: primaryEntityName.toLowerCase(),
    primaryEntityId,
    requestId: guid(body.RequestId),
    operationId: guid(body.OperationId),
    correlationId: guid(body.CorrelationId),
    operationCreatedOn: dotnetInstant(body.OperationCreatedOn),
    depth: typeof body.Depth === 'number' ? body.Depth : undefined,
    target,
    subordinateId: guid(inputs.SubordinateId),
    postImage,
  };
}
