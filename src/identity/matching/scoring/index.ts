export {
  DEFAULT_MATCHING,
  MATCH_FIELDS,
  MATCH_LEVELS,
  validateMatchingConfig,
  type Comparison,
  type LevelProbabilities,
  type MatchingConfig,
  type MatchScore,
  type TermFrequency,
} from './matching-config';
export { autoMergeable, scorePair, scorePairReaching, scorePreparedReaching } from './score-pair';
export { prepareFeatures, preparedWith, type PreparedFeatures } from './field-comparisons';
