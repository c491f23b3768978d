/** Pure, isomorphic LivePortrait motion math (no I/O). */
export * from './rotation.js';
export * from './keypoints.js';
export * from './motion.js';
export * from './hull.js';
export * from './stitching.js';
export * from './ratios.js';
export * from './smoothing.js';
export * from './editing.js';
