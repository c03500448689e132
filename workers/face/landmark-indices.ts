// Canonical MediaPipe face-mesh indices (468 mesh points + 10 iris points = 478), the topology
// of FaceLandmarker's output (mediapipe/python/solutions/face_mesh_connections.py and
// mediapipe/modules/face_geometry/data/canonical_face_model.obj). "Right" and "left" are the
// subject's own: the subject's right eye (33..133) appears on the image's left in an
// unmirrored camera frame.

export const LANDMARK_COUNT = 478;
export const MESH_LANDMARK_COUNT = 468;

/**
 * Forehead skin patch: from the hairline points of the face oval (67, 109, 10, 338, 297) down to
 * the row just above the eyebrows (299, 337, 151, 108, 69). The brows' upper edge (70 63 105 66
 * 107 / 336 296 334 293 300) lies one mesh row lower, so brow hair stays outside.
 */
export const FOREHEAD_POLYGON: readonly number[] = [67, 109, 10, 338, 297, 299, 337, 151, 108, 69];

/**
 * Subject's right cheek (image left): the malar patch between the third ring below the lower
 * eyelid (117, 118), the nasolabial side (101, 36) and the cheekbone (205, 187, 123). It keeps
 * clear of the lower lid (ring 2: 228 229 230), the nose wing (129, 209, 49) and the mouth corner
 * (61, 57, 186, 92).
 */
export const RIGHT_CHEEK_POLYGON: readonly number[] = [117, 118, 101, 36, 205, 187, 123];

/** Subject's left cheek (image right): the mirror image of RIGHT_CHEEK_POLYGON. */
export const LEFT_CHEEK_POLYGON: readonly number[] = [346, 347, 330, 266, 425, 411, 352];

/** Eye contours (upper and lower lid), used to check that ROIs avoid the eyes. */
export const RIGHT_EYE_CONTOUR: readonly number[] = [
  33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246,
];
export const LEFT_EYE_CONTOUR: readonly number[] = [
  263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466,
];
export const RIGHT_EYEBROW: readonly number[] = [46, 53, 52, 65, 55, 70, 63, 105, 66, 107];
export const LEFT_EYEBROW: readonly number[] = [276, 283, 282, 295, 285, 300, 293, 334, 296, 336];
/** Outer and inner lip contours. */
export const LIPS: readonly number[] = [
  61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409,
  78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415,
];
/** Nostrils and nose wings (alae). */
export const NOSTRILS: readonly number[] = [
  64, 98, 97, 2, 326, 327, 294, 240, 75, 60, 20, 79, 166, 219, 48, 49, 102, 129,
  460, 305, 290, 250, 309, 392, 439, 278, 279, 331, 358,
];
/** Face oval, clockwise from the top of the forehead (10). */
export const FACE_OVAL: readonly number[] = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
  152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];

/**
 * Six points per eye for the eye aspect ratio (Soukupová & Čech 2016):
 * [outer corner, upper lid outer, upper lid inner, inner corner, lower lid inner, lower lid outer].
 */
export const RIGHT_EYE_EAR: readonly number[] = [33, 160, 158, 133, 153, 144];
export const LEFT_EYE_EAR: readonly number[] = [263, 387, 385, 362, 380, 373];

/** Points used for head pose and scale. */
export const POSE_POINTS = {
  noseTip: 1,
  chin: 152,
  foreheadTop: 10,
  rightFaceEdge: 234,
  leftFaceEdge: 454,
  rightEyeOuter: 33,
  rightEyeInner: 133,
  leftEyeOuter: 263,
  leftEyeInner: 362,
  mouthRight: 61,
  mouthLeft: 291,
} as const;
