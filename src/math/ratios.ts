/**
 * Eye and lip opening ratios from the 203-point landmarks (the retargeting MLPs' conditions).
 * Each ratio is ‖p_a − p_b‖ / (‖p_c − p_d‖ + 1e-6), in any coordinate frame.
 */

export const LANDMARK_COUNT = 203;
const EPSILON = 1e-6;

/** 203 points as a flat x,y array (406 values) or as 203 [x, y] pairs. */
export type Landmarks203 = ArrayLike<number> | ArrayLike<ArrayLike<number>>;

function isNested(landmarks: Landmarks203): landmarks is ArrayLike<ArrayLike<number>> {
  return landmarks.length > 0 && typeof landmarks[0] !== 'number';
}

function pointReader(landmarks: Landmarks203): (index: number, axis: number) => number {
  if (isNested(landmarks)) {
    if (landmarks.length !== LANDMARK_COUNT) {
      throw new RangeError(`Expected ${LANDMARK_COUNT} landmark points but received ${landmarks.length}`);
    }
    return (index, axis) => landmarks[index][axis];
  }
  const flat = landmarks as ArrayLike<number>;
  if (flat.length !== LANDMARK_COUNT * 2) {
    throw new RangeError(`Expected ${LANDMARK_COUNT * 2} landmark coordinates but received ${flat.length}`);
  }
  return (index, axis) => flat[index * 2 + axis];
}

function distanceRatio(point: (index: number, axis: number) => number, a: number, b: number, c: number, d: number): number {
  const open = Math.hypot(point(a, 0) - point(b, 0), point(a, 1) - point(b, 1));
  const width = Math.hypot(point(c, 0) - point(d, 0), point(c, 1) - point(d, 1));
  return open / (width + EPSILON);
}

/** [left, right]: ‖p6 − p18‖ / (‖p0 − p12‖ + 1e-6) and ‖p30 − p42‖ / (‖p24 − p36‖ + 1e-6). */
export function eyeCloseRatios(landmarks: Landmarks203): [left: number, right: number] {
  const point = pointReader(landmarks);
  return [distanceRatio(point, 6, 18, 0, 12), distanceRatio(point, 30, 42, 24, 36)];
}

/** ‖p90 − p102‖ / (‖p48 − p66‖ + 1e-6). */
export function lipCloseRatio(landmarks: Landmarks203): number {
  return distanceRatio(pointReader(landmarks), 90, 102, 48, 66);
}

/** [left, right, target]: the eye ratios with a driving (target) ratio appended, as the eye MLP takes them. */
export function eyeRatioWithTarget(landmarks: Landmarks203, target: number): [left: number, right: number, target: number] {
  const [left, right] = eyeCloseRatios(landmarks);
  return [left, right, target];
}
