// Pure metric functions: no I/O, numbers in, numbers out.
export { ACTION_CATEGORIES, type ActionCategory, classifyAction, countActions } from "./actions.js";
export { type Attempt, aggregateRuns, bestAttempt, bestValue, lastAttempt, lastValue } from "./attempts.js";
export {
  type BootstrapTask,
  bootstrapAup,
  bootstrapTaskScore,
  type Interval,
  type PairedComparison,
  pairedComparison,
  percentile,
  percentileInterval,
  resample,
  seededRandom,
} from "./bootstrap.js";
export {
  ACCEPTABLE_EXIT_STATUSES,
  exitStatusCategories,
  isIncomplete,
  normalizeExitStatus,
} from "./exit-status.js";
export {
  areaUnderProfile,
  bestAndLastProfiles,
  dataTauMax,
  isFeasible,
  linspace,
  PENALTY_EPSILON,
  type ProfileResult,
  performanceProfiles,
  performanceRatios,
  profileOnGrid,
  TAU_POINTS,
  type TaskRatios,
  type TaskScores,
  tauGrid,
} from "./profiles.js";
export { bordaOrder, bordaScores, meanRankOrder, rankMethods } from "./ranks.js";
export { numpyRound, pythonFloatRepr, pythonRound, roundHalfEven } from "./rounding.js";
export { type Direction, isBetter, type MetricEntry, metricValue } from "./types.js";
