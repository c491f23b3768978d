/**
 * A schematic frontal face in face-box coordinates (u across the jaw width, v from the top of the brows
 * (0) to the chin (1), both in [0, 1]), and the landmark layouts the stand-in landmark models report.
 * Image-left features come first ("left eye" = smaller x), as the pipeline expects.
 * Pure geometry, no I/O.
 */

export type Point = readonly [number, number];

export const FACE = {
  eyeLeft: [0.3, 0.3] as Point,
  eyeRight: [0.7, 0.3] as Point,
  /** Half the eye width (corner to corner). */
  eyeHalfWidth: 0.09,
  mouth: [0.5, 0.78] as Point,
  mouthHalfWidth: 0.15,
  noseTip: [0.5, 0.58] as Point,
} as const;

/** Point on an eye contour: angle 0 = image-left corner, π/2 = upper lid, π = right corner, 3π/2 = lower lid. */
function ellipsePoint(centre: Point, halfWidth: number, halfHeight: number, angle: number): Point {
  return [centre[0] - halfWidth * Math.cos(angle), centre[1] - halfHeight * Math.sin(angle)];
}

/** `count` points of a closed contour starting at the image-left corner and going over the top. */
function contour(centre: Point, halfWidth: number, halfHeight: number, count: number): Point[] {
  return Array.from({ length: count }, (_, i) => ellipsePoint(centre, halfWidth, halfHeight, (2 * Math.PI * i) / count));
}

/** The jaw line from the image-left temple (0, 0.3) over the chin (0.5, 1) to the right temple (1, 0.3). */
function jaw(count: number): Point[] {
  return Array.from({ length: count }, (_, i) => {
    const phi = (Math.PI * i) / (count - 1);
    return [0.5 - 0.5 * Math.cos(phi), 0.3 + 0.7 * Math.sin(phi)] as Point;
  });
}

/** A brow arc over an eye; its highest point is v = 0 (the top of the face box). */
function brow(centreU: number, count: number): Point[] {
  return Array.from({ length: count }, (_, i) => {
    const t = i / (count - 1);
    return [centreU - 0.15 + 0.3 * t, 0.12 - 0.12 * Math.sin(Math.PI * t)] as Point;
  });
}

function nose(count: number): Point[] {
  const bridge = Math.ceil(count / 2);
  const out: Point[] = [];
  for (let i = 0; i < bridge; i++) out.push([0.5, 0.32 + (0.26 * i) / (bridge - 1)]);
  const wing = count - bridge;
  for (let i = 0; i < wing; i++) out.push([0.4 + (0.2 * i) / Math.max(wing - 1, 1), 0.62]);
  return out;
}

/**
 * Which entries of a landmark layout open with the eyes or the mouth: a point's position is
 * `base + eyeLeft·opening[eyeLeft] + …`, where each opening is a per-image scalar.
 */
export interface OpeningLayout {
  /** Base positions in face-box coordinates. */
  readonly base: Point[];
  /** For each opening, per point the (du, dv) it adds per unit of opening. */
  readonly openings: readonly { readonly name: string; readonly delta: Point[] }[];
}

function zerosLike(n: number): Point[] {
  return Array.from({ length: n }, () => [0, 0] as Point);
}

/**
 * LivePortrait's 203-point layout: 0–23 left eye (corners 0/12, lids 6/18), 24–47 right eye (corners
 * 24/36, lids 30/42), 48–83 outer lip (corners 48/66), 84–107 inner lip (corners 84/96, middles 90/102),
 * 108–140 jaw, 141–158 left brow, 159–176 right brow, 177–202 nose. The eye lids and the inner lip move
 * with their openings: eye ratio |p6−p18|/|p0−p12| = opening; lip ratio |p90−p102|/|p48−p66| = opening.
 */
export function layout203(): OpeningLayout {
  const a = FACE.eyeHalfWidth;
  const base: Point[] = [
    ...contour(FACE.eyeLeft, a, 0, 24),
    ...contour(FACE.eyeRight, a, 0, 24),
    ...outerLip(),
    ...contour(FACE.mouth, FACE.mouthHalfWidth * 0.8, 0, 24),
    ...jaw(33),
    ...brow(FACE.eyeLeft[0], 18),
    ...brow(FACE.eyeRight[0], 18),
    ...nose(26),
  ];
  if (base.length !== 203) throw new Error(`layout203 has ${base.length} points`);
  const lid = (offset: number): Point[] => {
    const d = zerosLike(203);
    // The lid distance |p6 − p18| is 2·halfHeight, the corner distance 2a: halfHeight = a·opening.
    for (let i = 0; i < 24; i++) d[offset + i] = [0, -a * Math.sin((2 * Math.PI * i) / 24)];
    return d;
  };
  const lip = zerosLike(203);
  // |p90 − p102| = 2·halfHeight over the mouth width 2·mouthHalfWidth.
  for (let i = 0; i < 24; i++) lip[84 + i] = [0, -FACE.mouthHalfWidth * Math.sin((2 * Math.PI * i) / 24)];
  return {
    base,
    openings: [
      { name: 'eyeLeft', delta: lid(0) },
      { name: 'eyeRight', delta: lid(24) },
      { name: 'lip', delta: lip },
    ],
  };
}

function outerLip(): Point[] {
  const [cx, cy] = FACE.mouth;
  const w = FACE.mouthHalfWidth;
  return Array.from({ length: 36 }, (_, i) => {
    const angle = (2 * Math.PI * i) / 36;
    const upper = Math.sin(angle) > 0;
    return [cx - w * Math.cos(angle), cy - (upper ? 0.04 : 0.05) * Math.sin(angle)] as Point;
  });
}

/**
 * insightface 2d106det layout: 0–32 jaw, 33–42 left eye (corners 33/39, lids 35/40), 43–51 left brow,
 * 52–71 mouth (corners 52/61), 72–86 nose, 87–96 right eye (corners 87/93, lids 89/94), 97–105 right brow.
 */
export function layout106(): Point[] {
  const a = FACE.eyeHalfWidth;
  const eye = (c: Point): Point[] => {
    const b = a * 0.3;
    const at = (angle: number): Point => ellipsePoint(c, a, b, angle);
    const pi = Math.PI;
    // corner, upper lid ×3, pupil ×2, right corner, lower lid ×3 (by index: 0 corner, 2 upper, 6 corner, 7 lower)
    return [at(0), at(pi / 4), at(pi / 2), at((3 * pi) / 4), [c[0] - a / 3, c[1]], [c[0] + a / 3, c[1]], at(pi), at((3 * pi) / 2), at((5 * pi) / 4), at((7 * pi) / 4)];
  };
  const mouth = (): Point[] => {
    const [cx, cy] = FACE.mouth;
    const w = FACE.mouthHalfWidth;
    // 52 left corner, 53–60 upper lip, 61 right corner, 62–71 lower lip and inner points
    const pts: Point[] = [[cx - w, cy]];
    for (let i = 1; i <= 8; i++) pts.push([cx - w + (2 * w * i) / 9, cy - 0.04 * Math.sin((Math.PI * i) / 9)]);
    pts.push([cx + w, cy]);
    for (let i = 1; i <= 10; i++) pts.push([cx + w - (2 * w * i) / 11, cy + 0.05 * Math.sin((Math.PI * i) / 11)]);
    return pts;
  };
  const pts = [...jaw(33), ...eye(FACE.eyeLeft), ...brow(FACE.eyeLeft[0], 9), ...mouth(), ...nose(15), ...eye(FACE.eyeRight), ...brow(FACE.eyeRight[0], 9)];
  if (pts.length !== 106) throw new Error(`layout106 has ${pts.length} points`);
  return pts;
}

/**
 * MediaPipe FaceMesh (478 points): a sunflower spread over the face for the unnamed points, with the
 * points the pipeline and common tools read placed where MediaPipe has them: 1 nose tip, 13/14 inner
 * lips, 61/291 mouth corners, 33/133 + 159/145 image-left eye corners and lids, 263/362 + 386/374 the
 * right eye, 10 forehead, 152 chin, 234/454 cheeks, 468–472 left iris, 473–477 right iris. The inner lip
 * points 13/14 move with the lip opening (lip ratio |p13−p14| / |p61−p291| = opening).
 */
export function layout478(): OpeningLayout {
  const golden = Math.PI * (3 - Math.sqrt(5));
  const base: Point[] = Array.from({ length: 478 }, (_, i) => {
    const r = Math.sqrt((i + 0.5) / 478);
    return [0.5 + 0.46 * r * Math.cos(i * golden), 0.52 + 0.46 * r * Math.sin(i * golden)] as Point;
  });
  const a = FACE.eyeHalfWidth;
  const b = 0.3 * a;
  const [mx, my] = FACE.mouth;
  const named: Record<number, Point> = {
    1: FACE.noseTip,
    4: [0.5, 0.54],
    0: [mx, my - 0.04],
    17: [mx, my + 0.05],
    13: [mx, my],
    14: [mx, my],
    61: [mx - FACE.mouthHalfWidth, my],
    291: [mx + FACE.mouthHalfWidth, my],
    33: [FACE.eyeLeft[0] - a, FACE.eyeLeft[1]],
    133: [FACE.eyeLeft[0] + a, FACE.eyeLeft[1]],
    159: [FACE.eyeLeft[0], FACE.eyeLeft[1] - b],
    145: [FACE.eyeLeft[0], FACE.eyeLeft[1] + b],
    362: [FACE.eyeRight[0] - a, FACE.eyeRight[1]],
    263: [FACE.eyeRight[0] + a, FACE.eyeRight[1]],
    386: [FACE.eyeRight[0], FACE.eyeRight[1] - b],
    374: [FACE.eyeRight[0], FACE.eyeRight[1] + b],
    10: [0.5, -0.08],
    152: [0.5, 1],
    234: [0, 0.45],
    454: [1, 0.45],
  };
  const iris = (first: number, c: Point): void => {
    const r = 0.035;
    named[first] = c;
    named[first + 1] = [c[0] + r, c[1]];
    named[first + 2] = [c[0], c[1] - r];
    named[first + 3] = [c[0] - r, c[1]];
    named[first + 4] = [c[0], c[1] + r];
  };
  iris(468, FACE.eyeLeft);
  iris(473, FACE.eyeRight);
  for (const [i, p] of Object.entries(named)) base[Number(i)] = p;
  const lip = zerosLike(478);
  lip[13] = [0, -FACE.mouthHalfWidth];
  lip[14] = [0, FACE.mouthHalfWidth];
  return { base, openings: [{ name: 'lip', delta: lip }] };
}

/**
 * The 21 canonical keypoints of the motion stand-in (x, y in about [−0.6, 0.6], y down, z towards the
 * viewer): jaw ×5, brows ×4, eyes ×4, nose ×3, mouth ×4, forehead ×1.
 */
export function canonicalKeypoints(): [number, number, number][] {
  const uv: Point[] = [
    ...jaw(5),
    [0.22, 0.08], [0.38, 0.06], [0.62, 0.06], [0.78, 0.08],
    [FACE.eyeLeft[0] - 0.06, FACE.eyeLeft[1]], [FACE.eyeLeft[0] + 0.06, FACE.eyeLeft[1]],
    [FACE.eyeRight[0] - 0.06, FACE.eyeRight[1]], [FACE.eyeRight[0] + 0.06, FACE.eyeRight[1]],
    [0.5, 0.4], FACE.noseTip, [0.5, 0.64],
    [FACE.mouth[0] - FACE.mouthHalfWidth, FACE.mouth[1]], [FACE.mouth[0], FACE.mouth[1] - 0.04],
    [FACE.mouth[0] + FACE.mouthHalfWidth, FACE.mouth[1]], [FACE.mouth[0], FACE.mouth[1] + 0.05],
    [0.5, -0.05],
  ];
  const noseTipIndex = 14;
  return uv.map(([u, v], i) => {
    const x = -0.55 + 1.1 * u;
    const y = -0.55 + 1.1 * v;
    const dome = 0.3 * Math.max(0, 1 - (x * x + y * y) / 0.7);
    return [x, y, dome + (i === noseTipIndex ? 0.1 : 0)];
  });
}
