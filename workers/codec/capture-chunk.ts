// The capture chunk of protocol v1 (docs/PROTOCOL.md): what the page streams about once a second.

export interface FrameRecord {
  /** Capture timestamp, ms since capture start. */
  t: number;
  /** LANDMARK_SUBSET x,y interleaved, quantised 0..65535; null when no landmarks this frame. */
  lm: Uint16Array | null;
  /** Client's mean RGB per ROI: forehead, left cheek, right cheek (0..255). */
  roi: Float32Array;
  /** Skin-pixel count per ROI: forehead, left cheek, right cheek. */
  skin: Uint32Array;
  /** Face box in the frame, normalised [x, y, w, h]. */
  box: Float32Array;
  /** JPEG of the face-box-aligned square crop (face_crop_size). */
  crop: Uint8Array;
}

export interface ContextCrop {
  t: number;
  /** The crop's region in the frame, normalised [x, y, w, h]. */
  box: Float32Array;
  /** JPEG, context_crop_size square. */
  crop: Uint8Array;
}

/**
 * A higher-resolution face crop for the identity check (capture plan `identity_crops` > 0): the
 * page picks frontal, sharp, eyes-open frames; the server aligns the face itself from `lm`.
 */
export interface IdentityCrop {
  t: number;
  /** The crop's region in the frame, normalised [x, y, w, h]. */
  box: Float32Array;
  /** LANDMARK_SUBSET of this very frame, as FrameRecord.lm (never null here). */
  lm: Uint16Array;
  /** JPEG, identity_crop_size square. */
  crop: Uint8Array;
}

export interface CaptureChunk {
  v: 1;
  session_id: string;
  attempt_id: string;
  nonce: string;
  seq: number;
  frames: FrameRecord[];
  context: ContextCrop[];
  /** Identity crops (absent unless the plan asks for them). */
  identity?: IdentityCrop[];
}
