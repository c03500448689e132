/**
 * Hardware probe and the DeviceProfile sent at start (docs/PROTOCOL.md). The probe itself is
 * cheap feature detection on the main thread; timings come from the workers.
 */
import type { DeviceProfile } from '../../workers/protocol/index.ts';

export type { DeviceProfile };

/** The profile's feature-detection half. */
export type HardwareProbe = Pick<DeviceProfile, 'user_agent' | 'cores' | 'device_memory_gb' | 'webgpu' | 'webgl2' | 'wasm_simd' | 'wasm_threads' | 'cross_origin_isolated'>;

// (module (func (result v128) (v128.const i32x4 0 0 0 0)))
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]);
// (module (memory 1 1 shared))
const THREADS_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 4, 1, 3, 1, 1]);

interface GpuLike {
  requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean }; isFallbackAdapter?: boolean } | null>;
}

export async function probeHardware(): Promise<HardwareProbe> {
  const nav = navigator as unknown as { deviceMemory?: number; gpu?: GpuLike };
  let webgpu: DeviceProfile['webgpu'] = { adapter: false };
  try {
    const adapter = nav.gpu ? await Promise.race([nav.gpu.requestAdapter(), new Promise<null>((r) => setTimeout(() => r(null), 1500))]) : null;
    if (adapter) {
      const architecture = adapter.info?.architecture || undefined;
      // A software adapter (SwiftShader) runs MiniFASNet ~100x slower than WASM: report it, do not use it.
      const fallback = adapter.info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true || /swiftshader/i.test(architecture ?? '');
      webgpu = { adapter: true, vendor: adapter.info?.vendor || undefined, architecture, fallback };
    }
  } catch {
    /* no adapter */
  }
  let webgl2 = false;
  try {
    webgl2 = !!new OffscreenCanvas(1, 1).getContext('webgl2');
  } catch {
    webgl2 = false;
  }
  const simd = WebAssembly.validate(SIMD_PROBE);
  let threads = false;
  try {
    threads = typeof SharedArrayBuffer !== 'undefined' && WebAssembly.validate(THREADS_PROBE);
  } catch {
    threads = false;
  }
  return {
    user_agent: navigator.userAgent,
    cores: navigator.hardwareConcurrency || null,
    device_memory_gb: nav.deviceMemory ?? null,
    webgpu,
    webgl2,
    wasm_simd: simd,
    wasm_threads: threads,
    cross_origin_isolated: globalThis.crossOriginIsolated === true,
  };
}

const VIRTUAL_LABELS = /virtual|obs|manycam|snap camera|xsplit|droidcam|camtwist|e2esoft|splitcam|v4l2loopback|dummy|fake|\.y4m|\.mjpe?g|iriun|epoccam|newtek|ndi/i;

/**
 * Signs that the camera is software rather than a sensor: its label, or settings a real webcam
 * rarely reports (odd sizes, no facing mode on a phone, frame rates outside the usual set).
 */
export function virtualCameraHints(label: string, settings: MediaTrackSettings, capabilities: MediaTrackCapabilities | null, mobile: boolean): string[] {
  const hints: string[] = [];
  if (VIRTUAL_LABELS.test(label)) hints.push('label_virtual');
  if (!label) hints.push('label_empty');
  const w = settings.width ?? 0;
  const h = settings.height ?? 0;
  if (w % 8 !== 0 || h % 8 !== 0) hints.push('size_unusual');
  const fr = settings.frameRate ?? 0;
  if (fr && ![5, 7.5, 10, 15, 20, 24, 25, 29.97, 30, 48, 50, 59.94, 60, 90, 120].some((v) => Math.abs(v - fr) < 0.05)) hints.push('frame_rate_unusual');
  if (mobile && !settings.facingMode) hints.push('no_facing_mode_on_mobile');
  if (capabilities && !capabilities.width && !capabilities.frameRate) hints.push('no_capabilities');
  return hints;
}

export function isMobileBrowser(): boolean {
  const uad = (navigator as Navigator & { userAgentData?: { mobile?: boolean } }).userAgentData;
  if (uad && typeof uad.mobile === 'boolean') return uad.mobile;
  return /Android|iPhone|iPad|iPod|Mobile/i.test(navigator.userAgent);
}

/** Whether the CNN should try the WebGPU execution provider: a real (not software) adapter. */
export function useWebGpuForCnn(hw: HardwareProbe): boolean {
  return hw.webgpu.adapter && hw.webgpu.fallback !== true;
}

/**
 * Camera size to ask for. 640x480 carries a face well above the 64 px crop and the landmark
 * model's 192 px input; low-end devices get 480x360 to halve the per-frame RGB conversion.
 */
export function chooseCaptureSize(hw: Pick<HardwareProbe, 'cores' | 'device_memory_gb'>): { width: number; height: number } {
  const lowEnd = (hw.cores ?? 4) <= 2 && (hw.device_memory_gb ?? 4) <= 2;
  return lowEnd ? { width: 480, height: 360 } : { width: 640, height: 480 };
}

/** Landmark cadence (detections per second) the device should sustain beside the rest. */
export function chooseLandmarkCadence(medianMs: number, cameraFps: number, cores: number | null): number {
  if (!(medianMs > 0)) return Math.min(10, cameraFps);
  // Leave headroom for the signal and CNN workers; on 2 cores half a core is the budget.
  const budget = (cores ?? 2) <= 2 ? 0.55 : 0.8;
  return Math.max(2, Math.min(cameraFps, Math.floor((1000 * budget) / medianMs)));
}
