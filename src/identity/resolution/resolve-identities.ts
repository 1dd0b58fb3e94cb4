import type { TxContext } from '../../common/context';
import { newRowId } from '../../common/row-id';
import { pgArray } from '../../db/pg-array';
import { StatementChain, type Queries } from '../../db/statement-chain';
import type { PersonFeatures } from '../matching/person-features';
import {
  autoMergeable,
  prepareFeatures,
  preparedWith,
  scorePreparedReaching,
  type MatchScore,
  type PreparedFeatures,
  type TermFrequency,
} from '../matching/scoring';
import { AgeRanks, bestSharing, compareNodes, type ProfileAge, type ProfileNode } from './candidate-ranking';
import type { IdentityKeys, MatchIdentifier } from './identity-keys';
import type { IdentitySettings } from './identity-settings';
import { loadProfileInfos, loadTermFrequency, type ProfileInfo } from './profile-infos';

/** A source record asking for its golden profile. */
export interface IdentityRequest {
  key: string;
  source: string;
  externalId: string;
  objectType: string;
  currentProfileId: string | null;
  /** Matching keys of the record's new state; null for a deleted record (it matches nothing). */
  keys: IdentityKeys | null;
  links: { source: string; externalId: string }[];
  /** New records and records whose state changed are matched again; the others keep their profile. */
  rematch: boolean;
}

/** Why two profiles belong together (or might): kept with merges and merge candidates. */
export interface MatchEvidence {
  rule: 'identifier' | 'link' | 'probabilistic' | 'steward';
  sourceRecord: { source: string; externalId: string };
  identifiers?: MatchIdentifier[];
  score?: number;
  comparisons?: MatchScore['comparisons'];
  thresholds?: { autoMerge: number; review: number };
}

export interface MergePlan {
  survivorId: string;
  absorbedIds: string[];
  trigger: 'auto' | 'transitive' | 'link';
  evidence: MatchEvidence[];
}

export interface CandidatePlan {
  profileIds: [string, string];
  sourceRecordKey: string;
  score: number;
  band: 'review' | 'guardrail';
  reason: string;
  evidence: MatchEvidence;
}

/**
 * How one matched record came out: `auto_merge` joined (or merged) an existing profile, `review` filed a merge
 * candidate in the review band, `guardrail` filed one because a guardrail stopped an automatic match, `new` got
 * a profile of its own with no candidate.
 */
export type MatchBand = 'auto_merge' | 'review' | 'guardrail' | 'new';
export type MatchBandCounts = Record<MatchBand, number>;

export interface IdentityResolution {
  profileIds: Map<string, string>;
  /**
   * Profiles this batch created that must be written or were: not those created and absorbed before any write
   * (they never existed), but those written by a slice (`DecidedSlice`) and absorbed later (they are merged).
   */
  createdProfileIds: Set<string>;
  merges: MergePlan[];
  candidates: CandidatePlan[];
  /** How the matched records came out: joined an existing profile, filed a candidate, or a new profile (metrics). */
  bands: MatchBandCounts;
}

/**
 * Requests decided so far, handed to the caller while the next ones are decided, so that their writes run on
 * PostgreSQL while Node.js decides (`resolveIdentities`' `pipeline`).
 */
export interface DecidedSlice {
  requests: IdentityRequest[];
  /**
   * Each request's profile as decided when the slice ended (a later record of the batch may still merge it into
   * another: that is then a merge like any other).
   */
  profileIds: Map<string, string>;
  /** Profiles this slice creates: their golden row is written with it, from its records. */
  created: Set<string>;
  /** Profiles an earlier slice created that this one adds records to: their golden row is recomputed later. */
  extended: Set<string>;
  /** Profiles that existed before the batch which this slice writes records to (to be row-locked). */
  existing: Set<string>;
}

export interface ResolvePipeline {
  /** Requests per slice (the last may be shorter). */
  sliceSize: number;
  /** Writes a slice; called in order, each once the one before has finished, while deciding goes on. */
  flush(slice: DecidedSlice): Promise<void>;
}

/** Requests decided between two turns given to other work (a slice's writes) when pipelined. */
const DECIDE_TURN = 16;

/**
 * Rows of one blocking key read, per profile the key may hold: a key whose first maxBlockSize × 4 rows are not
 * yet all read is taken for too broad (it would need four records per profile, on average, carrying that key).
 */
const BLOCK_ROWS_READ_PER_PROFILE = 4;

/** Most candidate profiles scored per record, best-sharing first. */
const MAX_SCORED_CANDIDATES = 25;

const ref = (source: string, externalId: string) => `${source}\u0000${externalId}`;
const idKey = (i: MatchIdentifier) => `${i.type}\u0000${i.value}`;

/**
 * Union-find over the batch's profiles (`ProfileNode.parent`): the oldest profile of a group survives, so golden
 * ids stay stable.
 */
class ProfileGroups {
  constructor(private readonly ages: AgeRanks) {}
  /** The survivor of the node's group. */
  root(node: ProfileNode): ProfileNode {
    let root = node;
    while (root.parent) root = root.parent;
    if (node.parent && node.parent !== root) node.parent = root;
    return root;
  }
  find(id: string): string {
    const node = this.ages.get(id);
    return node ? this.root(node).id : id;
  }
  union(ids: string[]): string {
    const roots = [...new Set(ids.map((id) => this.root(this.ages.node(id))))];
    const survivor = roots.reduce((a, b) => (compareNodes(a, b) <= 0 ? a : b));
    for (const root of roots) if (root !== survivor) root.parent = survivor;
    return survivor.id;
  }
}

/** A profile a record joins, with the evidence for it: `score` is +∞ for a link or a declared identifier. */
interface AutoMatch {
  profile: string;
  evidence: MatchEvidence;
  score: number;
}

/** Names or birth dates disagree: a shared contact point alone does not merge. */
function contradictedByNameOrBirthDate(score: MatchScore): boolean {
  return score.comparisons.some((c) => (c.field === 'name' || c.field === 'birthDate') && c.weight < 0);
}

/**
 * One batch's decisions, record by record (`decide`), over what the batch's look-ups found and what its earlier
 * records decided. The decision's steps are methods of their own rather than one closure inside
 * `resolveIdentities`, so that V8 recompiles only the step whose optimised code it threw away (see `decide`).
 */
class BatchDecisions {
  readonly groups: ProfileGroups;
  readonly createdProfileIds = new Set<string>();
  /** Every profile created by this batch, absorbed or not. */
  readonly createdInBatch = new Set<string>();
  readonly profileIds = new Map<string, string>();
  readonly mergeEvidence = new Map<string, { trigger: MergePlan['trigger']; evidence: MatchEvidence[] }>();
  readonly candidates: CandidatePlan[] = [];
  readonly bands: MatchBandCounts = { auto_merge: 0, review: 0, guardrail: 0, new: 0 };
  private readonly guardrails: IdentitySettings['guardrails'];
  private readonly matching: IdentitySettings['matching'];
  private readonly pairs: string[][];
  /** Every loaded profile's and every created one's place in `compareAge`'s order, for ranking candidates. */
  private readonly ages: AgeRanks;
  /** The profiles holding each identifier and each blocking key: the look-ups' and the batch's own records'. */
  private readonly byIdentifier: Map<string, ProfileNode[]>;
  private readonly byBlock: Map<string, ProfileNode[]>;
  /** The profiles the record being decided shares something with (`softCandidates`), each once. */
  private readonly sharing: ProfileNode[] = [];
  /** Counts the records whose candidates were gathered: a node's `weight` is the current one's when its `mark` is. */
  private mark = 0;
  private created = 0;
  /** The last record scored against candidates, prepared: a profile it creates starts with that form. */
  private recordPrepared: { features: PersonFeatures; prepared: PreparedFeatures } | undefined;

  constructor(
    settings: IdentitySettings,
    private readonly infos: Map<string, ProfileInfo>,
    identifierHolders: Map<string, string[]>,
    blockHolders: Map<string, string[]>,
    private readonly byRecord: Map<string, string>,
    blockedPairs: Set<string>,
    private readonly tf: TermFrequency | undefined,
  ) {
    this.guardrails = settings.guardrails;
    this.matching = settings.matching;
    const ages: ProfileAge[] = [];
    for (const info of infos.values())
      ages.push({ profile: info.id, order: info.order, firstRecord: info.firstRecord });
    this.ages = new AgeRanks(ages);
    for (const info of infos.values()) this.ages.get(info.id)!.info = info;
    this.groups = new ProfileGroups(this.ages);
    this.byIdentifier = this.nodesOf(identifierHolders);
    this.byBlock = this.nodesOf(blockHolders);
    this.pairs = [...blockedPairs].map((pair) => pair.split('|'));
  }

  /** Older first (`compareAge`); a profile not loaded (none is, in practice) ranks youngest. */
  private rank(a: string, b: string): number {
    return this.ages.compare(a, b);
  }

  /**
   * The look-up's holders as nodes, in the look-up's own map: setting a key it holds does not grow it, where a second
   * map as large (tens of thousands of keys a batch) was grown step by step, rehashed at each.
   */
  private nodesOf(holders: Map<string, string[]>): Map<string, ProfileNode[]> {
    const nodes = holders as Map<string, unknown> as Map<string, ProfileNode[]>;
    for (const [key, profiles] of holders)
      nodes.set(
        key,
        profiles.map((profile) => this.ages.node(profile)),
      );
    return nodes;
  }

  private blocked(a: string, b: string): boolean {
    if (this.pairs.length === 0) return false;
    const { groups } = this;
    const x = groups.find(a);
    const y = groups.find(b);
    return this.pairs.some(([p, q]) => {
      const [gp, gq] = [groups.find(p), groups.find(q)];
      return (gp === x && gq === y) || (gp === y && gq === x);
    });
  }

  private newProfile(features: PersonFeatures, firstRecord: string): string {
    const id = newRowId();
    this.createdProfileIds.add(id);
    this.createdInBatch.add(id);
    // Younger than every loaded profile (their order is a creation time) and every one created before it.
    const node = this.ages.addYoungest(id);
    const info: ProfileInfo = {
      id,
      order: Number.MAX_SAFE_INTEGER - 1_000_000 + this.created++,
      firstRecord,
      features,
      emails: [],
      phones: [],
      perSource: new Map(),
      size: 0,
      // The record's prepared form, when it was scored against candidates: the same features object.
      preparedFrom: this.recordPrepared?.features === features ? features : undefined,
      prepared: this.recordPrepared?.features === features ? this.recordPrepared.prepared : undefined,
      variants: undefined,
    };
    this.infos.set(id, info);
    node.info = info;
    return id;
  }

  /**
   * Decides one record. Split into steps, each built so that the objects and arrays it handles keep one shape
   * whatever the record (no spread of a possibly empty list, no array built by `map` and `filter` chains): V8 threw
   * away the one large `decide`'s optimised code whenever a batch brought an array or an object of a shape it had
   * not seen (an empty list of links, a first merge candidate), and recompiled all of it — ~100–160 ms of TurboFan
   * each time, 8–10 times per 20,000 records and 20 per 100,000 (2.1 s).
   */
  decide(request: IdentityRequest): void {
    const keysOf = request.keys;
    if (!request.rematch || !keysOf) {
      this.keep(request);
      return;
    }
    const { groups, candidates, mergeEvidence } = this;
    const current = request.currentProfileId ? groups.find(request.currentProfileId) : null;
    const origin = { source: request.source, externalId: request.externalId };
    const candidatesBefore = candidates.length;

    const hard = this.hardMatches(request, keysOf, origin);
    const soft = this.softCandidates(keysOf);
    const sharing = new Set<string>();
    const scored = this.scoreCandidates(soft, current, hard, keysOf, sharing);
    const auto = this.autoMatches(hard, scored, sharing, origin, keysOf);
    const joined = this.join(request, auto, current);

    let assigned: string;
    if (joined.length === 0) assigned = this.newProfile(keysOf.features, ref(request.source, request.externalId));
    else assigned = joined.length === 1 ? joined[0] : groups.union(joined);
    for (const profile of joined)
      if (profile !== assigned && !mergeEvidence.has(profile))
        mergeEvidence.set(profile, { trigger: 'transitive', evidence: [] });
    this.profileIds.set(request.key, assigned);
    this.remember(request, assigned);
    this.fileReviews(request, scored, auto, assigned, origin, keysOf);

    const bands = this.bands;
    let filedGuardrail = false;
    for (let i = candidatesBefore; i < candidates.length; i++)
      if (candidates[i].band === 'guardrail') filedGuardrail = true;
    if (joined.some((profile) => profile !== current)) bands.auto_merge++;
    else if (filedGuardrail) bands.guardrail++;
    else if (candidates.length > candidatesBefore) bands.review++;
    else if (joined.length === 0) bands.new++;
  }

  /** A record not matched again (unchanged keys, or deleted): its profile, a linked one, or a new one. */
  private keep(request: IdentityRequest): void {
    let linked = this.byRecord.get(ref(request.source, request.externalId));
    if (linked === undefined) {
      for (const link of request.links) {
        linked = this.byRecord.get(ref(link.source, link.externalId));
        if (linked) break;
      }
    }
    const profileId =
      request.currentProfileId ?? linked ?? this.newProfile({}, ref(request.source, request.externalId));
    this.profileIds.set(request.key, profileId);
    this.remember(request, profileId);
  }

  /** Deterministic matches: links in either direction and declared identifiers. */
  private hardMatches(
    request: IdentityRequest,
    keysOf: IdentityKeys,
    origin: MatchEvidence['sourceRecord'],
  ): Map<string, MatchEvidence> {
    const { groups, byRecord } = this;
    const hard = new Map<string, MatchEvidence>();
    const own = byRecord.get(ref(request.source, request.externalId));
    if (own) hard.set(groups.find(own), { rule: 'link', sourceRecord: origin });
    for (const link of request.links) {
      const profile = byRecord.get(ref(link.source, link.externalId));
      if (profile) hard.set(groups.find(profile), { rule: 'link', sourceRecord: origin });
    }
    for (const identifier of keysOf.declared) {
      for (const profile of this.byIdentifier.get(idKey(identifier)) ?? []) {
        hard.set(groups.root(profile).id, { rule: 'identifier', sourceRecord: origin, identifiers: [identifier] });
      }
    }
    return hard;
  }

  /**
   * Probabilistic candidates: everyone sharing a contact point or a blocking key, ranked by how much they share
   * with the record (a contact point counts most); only the best are scored, so a broad block costs a bounded
   * amount of work.
   */
  private softCandidates(keysOf: IdentityKeys): ProfileNode[] {
    this.mark++;
    this.sharing.length = 0;
    for (const identifier of keysOf.contactPoints) this.share(this.byIdentifier.get(idKey(identifier)), 10);
    for (const key of keysOf.blockingKeys) this.share(this.byBlock.get(key), 1);
    // Each node once: `share` gathers each group's survivor once per record.
    return bestSharing(this.sharing, MAX_SCORED_CANDIDATES);
  }

  /** Adds `weight` to what each holder's profile (its group's survivor) shares with the record. */
  private share(holders: ProfileNode[] | undefined, weight: number): void {
    if (!holders) return;
    const { groups, mark, sharing } = this;
    for (const holder of holders) {
      const root = groups.root(holder);
      if (root.mark === mark) root.weight += weight;
      else {
        root.mark = mark;
        root.weight = weight;
        sharing.push(root);
      }
    }
  }

  /**
   * Scores the candidates that can reach the review threshold, and those sharing a contact point with the record
   * (added to `sharing`): an exact email or phone is deterministic unless the rest contradicts it (a family
   * inbox: names or birth dates that disagree) — then the score decides, like for any other candidate.
   */
  private scoreCandidates(
    soft: ProfileNode[],
    current: string | null,
    hard: Map<string, MatchEvidence>,
    keysOf: IdentityKeys,
    sharing: Set<string>,
  ): Map<string, MatchScore> {
    const { matching, tf } = this;
    const record = keysOf.features;
    const scored = new Map<string, MatchScore>();
    let prepared: PreparedFeatures | undefined;
    for (let i = 0; i < soft.length; i++) {
      // The candidate's info by reference from its node: a look-up by id in the batch's map of profiles (tens of
      // thousands) was a few cache misses per candidate pair.
      const { id: profile, info } = soft[i];
      if (profile === current || (hard.size > 0 && hard.has(profile))) continue;
      if (!info || info.size === 0) continue;
      // The record's features hold exactly its contact points (`identityKeys`): each list is read once, for both
      // the shortcut and the email and phone the profile is compared with.
      const email = !!record.email && info.emails.includes(record.email);
      const phone = !!record.phone && info.phones.includes(record.phone);
      if (email || phone) sharing.add(profile);
      const floor = email || phone ? Number.NEGATIVE_INFINITY : matching.thresholds.review;
      prepared ??= prepareFeatures(record);
      const score = scorePreparedReaching(prepared, comparable(info, record, email, phone), floor, matching, tf);
      if (score) scored.set(profile, score);
    }
    this.recordPrepared = prepared ? { features: record, prepared } : undefined;
    return scored;
  }

  /** The matches to join, best evidence first: the deterministic ones, then the scores that merge. */
  private autoMatches(
    hard: Map<string, MatchEvidence>,
    scored: Map<string, MatchScore>,
    sharing: Set<string>,
    origin: MatchEvidence['sourceRecord'],
    keysOf: IdentityKeys,
  ): AutoMatch[] {
    const auto: AutoMatch[] = [];
    for (const [profile, evidence] of hard) auto.push({ profile, evidence, score: Number.POSITIVE_INFINITY });
    for (const [profile, score] of scored) {
      const merges =
        autoMergeable(score, this.matching) || (sharing.has(profile) && !contradictedByNameOrBirthDate(score));
      if (merges) auto.push({ profile, evidence: this.evidenceOf(score, origin, keysOf), score: score.total });
    }
    return auto.sort((a, b) => b.score - a.score || this.rank(a.profile, b.profile));
  }

  /**
   * Greedy, best evidence first: joins every profile the guardrails allow; the rest go to the stewards.
   * Returns the profiles joined, the record's current one first.
   */
  private join(request: IdentityRequest, auto: AutoMatch[], current: string | null): string[] {
    const { groups, candidates, mergeEvidence } = this;
    const joined: string[] = [];
    if (current) joined.push(current);
    const isNew = !request.currentProfileId;
    const contact = request.objectType === 'contact';
    for (const candidate of auto) {
      const profile = groups.find(candidate.profile);
      if (joined.includes(profile)) continue;
      if (joined.some((j) => this.blocked(j, profile))) continue;
      const guardrail =
        joined.length === 0
          ? undefined
          : this.violatesGuardrails([...joined, profile], isNew && contact ? request.source : undefined);
      if (joined.length === 0 && isNew && contact && this.exceedsSource(this.infos.get(profile)!, request.source)) {
        candidates.push(
          plan(request.key, profile, null, candidate, 'guardrail', `max_records_per_source:${request.source}`),
        );
        continue;
      }
      if (guardrail) {
        candidates.push(plan(request.key, profile, joined[0], candidate, 'guardrail', guardrail));
        continue;
      }
      joined.push(profile);
      if (joined.length > 1) {
        const entry = mergeEvidence.get(profile) ?? {
          trigger: candidate.evidence.rule === 'link' ? 'link' : joined.length > 2 || isNew ? 'transitive' : 'auto',
          evidence: [],
        };
        entry.evidence.push(candidate.evidence);
        mergeEvidence.set(profile, entry);
      }
    }
    return joined;
  }

  /** Merge candidates in the review band for the scored profiles the record neither joined nor merged. */
  private fileReviews(
    request: IdentityRequest,
    scored: Map<string, MatchScore>,
    auto: AutoMatch[],
    assigned: string,
    origin: MatchEvidence['sourceRecord'],
    keysOf: IdentityKeys,
  ): void {
    const { groups, matching } = this;
    const assignedRoot = groups.find(assigned);
    for (const [profile, score] of scored) {
      const root = groups.find(profile);
      if (root === assignedRoot || auto.some((a) => a.profile === profile)) continue;
      if (score.total < matching.thresholds.review || this.blocked(root, assigned)) continue;
      const match = { evidence: this.evidenceOf(score, origin, keysOf), score: score.total };
      this.candidates.push(plan(request.key, root, assigned, match, 'review', 'review_band'));
    }
  }

  private evidenceOf(score: MatchScore, origin: MatchEvidence['sourceRecord'], keysOf: IdentityKeys): MatchEvidence {
    return {
      rule: 'probabilistic',
      sourceRecord: origin,
      score: score.total,
      comparisons: score.comparisons,
      identifiers: keysOf.contactPoints,
      thresholds: this.matching.thresholds,
    };
  }

  private exceedsSource(info: ProfileInfo, source: string): boolean {
    const limit = this.guardrails.maxRecordsPerSource[source];
    return limit !== undefined && (info.perSource.get(source) ?? 0) + 1 > limit;
  }

  private violatesGuardrails(profiles: string[], addedSource?: string): string | undefined {
    const total = new Map<string, number>();
    let size = addedSource ? 1 : 0;
    for (const profile of profiles) {
      const info = this.infos.get(profile)!;
      size += info.size;
      for (const [source, n] of info.perSource) total.set(source, (total.get(source) ?? 0) + n);
    }
    if (addedSource) total.set(addedSource, (total.get(addedSource) ?? 0) + 1);
    for (const [source, limit] of Object.entries(this.guardrails.maxRecordsPerSource)) {
      if ((total.get(source) ?? 0) > limit) return `max_records_per_source:${source}`;
    }
    if (size > this.guardrails.maxClusterSize) return 'cluster_size';
    return undefined;
  }

  /** Folds a decided record into its profile's in-memory picture for the batch's later records. */
  private remember(request: IdentityRequest, profileId: string): void {
    const info = this.infos.get(profileId);
    if (!info) return;
    if (!request.currentProfileId) {
      info.size += 1;
      if (request.objectType === 'contact')
        info.perSource.set(request.source, (info.perSource.get(request.source) ?? 0) + 1);
    }
    const keysOf = request.keys;
    if (!keysOf) return;
    info.features = mergedFeatures(keysOf.features, info.features);
    const node = this.ages.node(profileId);
    for (const c of keysOf.contactPoints) {
      const held = c.type === 'email' ? info.emails : info.phones;
      if (!held.includes(c.value)) held.push(c.value);
      hold(this.byIdentifier, idKey(c), node);
    }
    for (const d of keysOf.declared) hold(this.byIdentifier, idKey(d), node);
    for (const key of keysOf.blockingKeys) hold(this.byBlock, key, node);
    for (const target of [
      ref(request.source, request.externalId),
      ...request.links.map((l) => ref(l.source, l.externalId)),
    ]) {
      if (!this.byRecord.has(target)) this.byRecord.set(target, profileId);
    }
  }
}

/**
 * Adds `profile` to the holders of `key`, in place: each list is the batch's own (one per look-up row, or made
 * here), so it was copied for nothing at every record — up to a hundred ids for a record in a broad block.
 */
function hold(holders: Map<string, ProfileNode[]>, key: string, profile: ProfileNode): void {
  const list = holders.get(key);
  if (!list) holders.set(key, [profile]);
  else if (!list.includes(profile)) list.push(profile);
}

function plan(
  key: string,
  profile: string,
  other: string | null,
  match: { evidence: MatchEvidence; score: number },
  band: CandidatePlan['band'],
  reason: string,
): CandidatePlan {
  return {
    profileIds: [profile, other ?? ''],
    sourceRecordKey: key,
    score: Number.isFinite(match.score) ? match.score : 99,
    band,
    reason,
    evidence: match.evidence,
  };
}

/**
 * Decides, for each record of a batch, which golden profile it belongs to: deterministically by declared links
 * and identifiers, probabilistically (Fellegi-Sunter) against the profiles that share a blocking key or a
 * contact point with it. At or above the auto-merge threshold it joins (and merges, when it bridges several
 * profiles); in the review band a merge candidate goes to the stewards; below, a new profile. Guardrails —
 * do-not-merge pairs, records per source, cluster size, shared values — turn a merge into a candidate.
 * The caller holds advisory locks on every key looked up here, so concurrent writers see each other's work.
 */
export async function resolveIdentities(
  tx: TxContext,
  requests: IdentityRequest[],
  settings: IdentitySettings,
  pipeline: ResolvePipeline,
): Promise<IdentityResolution> {
  const { guardrails, matching } = settings;
  const matched = requests.filter((r) => r.rematch && r.keys);

  // 1. Look-ups, one query each for the whole batch, sent back to back (`StatementChain.query`): PostgreSQL runs
  // the next while Node.js reads the rows of the one before.
  const reads = new StatementChain(tx);
  let found: [Map<string, string[]>, Map<string, string[]>, Map<string, string>];
  let loaded: [Awaited<ReturnType<typeof loadProfileInfos>>, TermFrequency | undefined];
  try {
    const identifierPairs = matched.flatMap((r) => [...r.keys!.contactPoints, ...r.keys!.declared]);
    found = await Promise.all([
      profilesByIdentifier(reads, identifierPairs, guardrails.sharedValueLimit),
      profilesByBlockingKey(reads, [...new Set(matched.flatMap((r) => r.keys!.blockingKeys))], guardrails.maxBlockSize),
      linkedProfiles(
        reads,
        requests.filter((r) => r.rematch),
      ),
    ]);
    const known = new Set<string>([
      ...[...found[0].values()].flat(),
      ...[...found[1].values()].flat(),
      ...found[2].values(),
      ...requests.map((r) => r.currentProfileId).filter((id): id is string => id !== null),
    ]);
    loaded = await Promise.all([
      loadProfileInfos(reads, [...known]),
      matching.termFrequency.enabled
        ? loadTermFrequency(
            tx,
            matched.map((r) => r.keys!.features),
            reads,
          )
        : undefined,
    ]);
  } finally {
    // On a failure: nothing may be sent over a look-up still running.
    await reads.settle();
  }
  const [byIdentifier, byBlock, byRecord] = found;
  const [{ infos, blockedPairs }, tf] = loaded;

  // 2. Decide record by record, so that later records of the batch see the earlier ones' outcome. The steps are
  // functions of their own: V8 compiles a loop that runs hot with the whole function holding it (on-stack
  // replacement), and this one is large — it was compiled anew 7 times in 100,000 records (~620 ms of TurboFan).
  const batch = new BatchDecisions(settings, infos, byIdentifier, byBlock, byRecord, blockedPairs, tf);
  const written = await decideInSlices(batch, requests, pipeline);
  return outcomeOf(batch, written);
}

/**
 * The profiles of the records that the re-matched requests link to (by source and external id), and of the
 * records that declared a link to one of them: `source\0externalId` → profile id.
 */
async function linkedProfiles(db: Queries, linking: IdentityRequest[]): Promise<Map<string, string>> {
  const byRecord = new Map<string, string>();
  if (linking.length > 0) {
    const targets = linking.flatMap((r) => r.links);
    const rows: { ref_source: string; ref_external_id: string; profile_id: string }[] = await db.query(
      `SELECT s.source AS ref_source, s.external_id AS ref_external_id, s.profile_id
         FROM source_record s
         JOIN unnest($1::text[], $2::text[]) AS t(source, external_id)
           ON s.source = t.source AND s.external_id = t.external_id
       UNION ALL
       SELECT l.to_source, l.to_external_id, s.profile_id
         FROM source_record_link l
         JOIN unnest($3::text[], $4::text[]) AS n(source, external_id)
           ON l.to_source = n.source AND l.to_external_id = n.external_id
         JOIN source_record s ON s.id = l.from_source_record_id`,
      [
        pgArray(targets.map((t) => t.source)),
        pgArray(targets.map((t) => t.externalId)),
        pgArray(linking.map((r) => r.source)),
        pgArray(linking.map((r) => r.externalId)),
      ],
    );
    for (const row of rows) byRecord.set(ref(row.ref_source, row.ref_external_id), row.profile_id);
  }
  return byRecord;
}

/**
 * Decides every request in order. Every `sliceSize` requests the decided slice is handed to `pipeline.flush`,
 * which writes it while the next requests are decided, with a turn for it every DECIDE_TURN requests — the first
 * slice of a bigger batch after a quarter of that, so that writing starts sooner. A batch of one slice is decided
 * whole and then written. Returns the profiles created by the batch that a slice wrote.
 */
async function decideInSlices(
  batch: BatchDecisions,
  requests: IdentityRequest[],
  pipeline: ResolvePipeline,
): Promise<Set<string>> {
  const { groups, profileIds, createdInBatch } = batch;
  const written = new Set<string>();
  let flushing: Promise<void> = Promise.resolve();
  let failed = false;
  let sliceStart = 0;
  // What a slice writes is taken when it ends, whenever its writes run: the outcome depends on the records
  // and the slice size only, never on how fast PostgreSQL is.
  const flushUpTo = (end: number) => {
    if (end <= sliceStart) return;
    const slice: DecidedSlice = {
      requests: requests.slice(sliceStart, end),
      profileIds: new Map(),
      created: new Set(),
      extended: new Set(),
      existing: new Set(),
    };
    for (const request of slice.requests) {
      const profile = groups.find(profileIds.get(request.key)!);
      slice.profileIds.set(request.key, profile);
      if (!createdInBatch.has(profile)) slice.existing.add(profile);
      else if (!written.has(profile)) slice.created.add(profile);
      else if (!slice.created.has(profile)) slice.extended.add(profile);
    }
    for (const profile of slice.created) written.add(profile);
    sliceStart = end;
    flushing = flushing.then(() => pipeline.flush(slice));
    flushing.catch(() => (failed = true)); // thrown by the await after the loop
  };

  // In a batch of several slices the first is a quarter of the others: PostgreSQL has nothing to write until it
  // is decided. A batch of one slice stays one.
  let nextFlush = requests.length > pipeline.sliceSize ? Math.ceil(pipeline.sliceSize / 4) : pipeline.sliceSize;
  for (let index = 0; index < requests.length && !failed; index++) {
    if (index === nextFlush) {
      flushUpTo(index);
      nextFlush += pipeline.sliceSize;
    }
    // Turns only while a slice's writes may be running.
    if (sliceStart > 0 && index % DECIDE_TURN === 0) await nextTurn();
    batch.decide(requests[index]);
  }
  flushUpTo(requests.length);
  await flushing;
  return written;
}

/**
 * The outcome, with every id resolved to its group's survivor. Profiles created and absorbed within this batch
 * before a slice wrote them never existed: there is nothing to create or merge for them.
 */
function outcomeOf(batch: BatchDecisions, written: Set<string>): IdentityResolution {
  const { groups, profileIds, createdProfileIds, createdInBatch, mergeEvidence, candidates, bands } = batch;
  const unwritten = (id: string) => createdInBatch.has(id) && !written.has(id);
  for (const id of createdInBatch) if (groups.find(id) !== id && !written.has(id)) createdProfileIds.delete(id);
  for (const [key, profile] of profileIds) profileIds.set(key, groups.find(profile));
  const merges = new Map<string, MergePlan>();
  for (const [absorbed, { trigger, evidence }] of mergeEvidence) {
    const survivor = groups.find(absorbed);
    if (survivor === absorbed || unwritten(absorbed)) continue;
    const plan = merges.get(survivor) ?? { survivorId: survivor, absorbedIds: [], trigger, evidence: [] };
    plan.absorbedIds.push(absorbed);
    plan.evidence.push(...evidence);
    merges.set(survivor, plan);
  }
  const seen = new Set<string>();
  const finalCandidates: CandidatePlan[] = [];
  for (const candidate of candidates) {
    const a = groups.find(candidate.profileIds[0]);
    const b = groups.find(candidate.profileIds[1] || profileIds.get(candidate.sourceRecordKey)!);
    if (a === b) continue;
    const pair: [string, string] = a < b ? [a, b] : [b, a];
    const key = pair.join('|');
    if (seen.has(key)) continue;
    seen.add(key);
    finalCandidates.push({ ...candidate, profileIds: pair });
  }
  return {
    profileIds,
    createdProfileIds,
    merges: [...merges.values()],
    candidates: finalCandidates,
    bands,
  };
}

/**
 * The active profiles holding each identifier (email, phone, declared id), for identifiers held by at most
 * `sharedValueLimit` profiles: a value many people share (a family inbox, a switchboard) identifies nobody.
 */
export async function profilesByIdentifier(
  db: Queries,
  identifiers: MatchIdentifier[],
  sharedValueLimit: number,
): Promise<Map<string, string[]>> {
  if (identifiers.length === 0) return new Map();
  // Profile ids come back comma-separated and are deduplicated by `holders`, as for blocking keys. Per
  // identifier, through its index (a lateral sub-query cannot be turned into a hash join over the whole table,
  // which stale statistics during a bulk load made the planner choose).
  const rows: { type: string; value: string; profiles: string }[] = await db.query(
    `SELECT q.type, q.value, x.profiles
       FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS q(type, value)
       CROSS JOIN LATERAL (
         SELECT string_agg(i.profile_id::text, ',') AS profiles
           FROM identifier i JOIN golden_profile g ON g.id = i.profile_id AND g.status = 'active'
          WHERE i.type = q.type AND i.value = q.value) x
      WHERE x.profiles IS NOT NULL`,
    [pgArray(identifiers.map((i) => i.type)), pgArray(identifiers.map((i) => i.value))],
  );
  return holders(rows, idKey, sharedValueLimit);
}

/**
 * The profiles holding each blocking key, for keys held by 1 to `maxBlockSize` profiles; a broader key is left out
 * (it would gather people, not one person). Each key reads at most BLOCK_ROWS_READ_PER_PROFILE × maxBlockSize of
 * its rows, so an over-broad key (a common surname in a large postal area) is recognised from its first rows
 * instead of read whole — that read grew with the database, batch after batch.
 */
export async function profilesByBlockingKey(
  db: Queries,
  keys: string[],
  maxBlockSize: number,
): Promise<Map<string, string[]>> {
  if (keys.length === 0) return new Map();
  // Profile ids come back comma-separated (a uuid holds no comma): cheaper to read than an array. They are
  // deduplicated by `holders` rather than by `string_agg(DISTINCT …)` and `count(DISTINCT …)`, which set up a
  // sort per key for each of a batch's ~26,000 keys: ~20% of the statement at 100,000 records.
  const rowsRead = maxBlockSize * BLOCK_ROWS_READ_PER_PROFILE;
  const rows: { key: string; profiles: string }[] = await db.query(
    `SELECT k.key, b.profiles
       FROM unnest($1::text[]) AS k(key)
       CROSS JOIN LATERAL (
         SELECT string_agg(r.profile_id::text, ',') AS profiles, count(*) AS row_count
           FROM (SELECT profile_id FROM blocking_key WHERE key = k.key LIMIT $2) r) b
      WHERE b.row_count > 0 AND b.row_count < $2`,
    [pgArray(keys), rowsRead],
  );
  return holders(rows, (row) => row.key, maxBlockSize);
}

/**
 * Each look-up row's holders (comma-separated profile ids, a profile once per record) as distinct ids, for rows
 * held by at most `limit` profiles. Sorted as PostgreSQL's `DISTINCT` sorted them (a uuid's text sorts the same
 * bytewise and in any collation: hyphens at the same places), so that candidates are met in the same order.
 */
function holders<R extends { profiles: string }>(
  rows: R[],
  keyOf: (row: R) => string,
  limit: number,
): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const row of rows) {
    const ids = row.profiles.split(',');
    const profiles = ids.length === 1 ? ids : [...new Set(ids)].sort();
    if (profiles.length <= limit) byKey.set(keyOf(row), profiles);
  }
  return byKey;
}

/** Lets pending I/O callbacks and timers run before going on (a `setImmediate` turn). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A profile's features once a record joined it: its own where it has them, the record's elsewhere. The profile's
 * object itself while nothing changes (a profile that a record just created, a record that restates what the
 * profile holds): the profile keeps its prepared form per features object (`comparable`), so a new object is prepared again.
 */
function mergedFeatures(incoming: PersonFeatures, held: PersonFeatures): PersonFeatures {
  if (incoming === held) return held;
  const merged = { ...incoming, ...stripEmpty(held) } as Record<string, unknown>;
  const before = held as Record<string, unknown>;
  const keys = Object.keys(merged);
  if (keys.length === Object.keys(before).length && keys.every((key) => merged[key] === before[key])) return held;
  return merged as PersonFeatures;
}

function stripEmpty(features: PersonFeatures): PersonFeatures {
  // A loop, not entries → filter → fromEntries: once per decided record, on the resolution's critical path.
  const kept: Record<string, unknown> = {};
  for (const key of Object.keys(features) as (keyof PersonFeatures)[]) {
    const value = features[key];
    if (value !== undefined && value !== null && value !== '') kept[key] = value;
  }
  return kept as PersonFeatures;
}

/**
 * The profile as the record is compared with it: its golden values, with whichever of its emails and phones fits —
 * the record's own where the profile holds it (`sharesEmail`, `sharesPhone`).
 */
function comparable(
  info: ProfileInfo,
  record: PersonFeatures,
  sharesEmail: boolean,
  sharesPhone: boolean,
): PreparedFeatures {
  const { features } = info;
  const email = sharesEmail ? record.email : (features.email ?? info.emails[0]);
  const phone = sharesPhone ? record.phone : (features.phone ?? info.phones[0]);
  // Prepared once per features object: the profile's own features when they hold that email and phone (most
  // profiles have one of each), else once per email and phone the profile is compared with, until its features
  // change.
  if (info.preparedFrom !== features || !info.prepared) {
    info.preparedFrom = features;
    info.prepared = prepareFeatures(features);
    info.variants = undefined;
  }
  if (email === features.email && phone === features.phone) return info.prepared;
  const key = `${email ?? ''}\u0000${phone ?? ''}`;
  info.variants ??= new Map();
  let value = info.variants.get(key);
  if (!value) info.variants.set(key, (value = preparedWith(info.prepared, email, phone)));
  return value;
}
