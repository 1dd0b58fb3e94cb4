/**
 * The benchmark's ground truth comes from the same generator as the first-run demo (`profile-hub demo`), which
 * lives with the demo so that the built hub ships it; the same options still give the same output, byte for byte.
 */
export * from '../../src/demo/person-generator';
