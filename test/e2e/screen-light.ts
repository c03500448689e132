// A camera whose picture answers the screen's light, for the fill-light and refusal tests: the
// fake camera (a real recording) is redrawn through a canvas at a brightness gain, `lit` while the
// page shows its fill light (body[data-fill=on]) and `unlit` otherwise, the way a face in a dark
// room brightens when the screen beside it turns white. The test changes the gains at any time
// (window.__screenLight) to turn the room's lights down or up.
import type { Page } from 'playwright-core';

export interface ScreenLight {
  unlit: number;
  lit: number;
}

export async function installScreenLight(page: Page, initial: ScreenLight): Promise<void> {
  await page.addInitScript((init: ScreenLight) => {
    const w = window as unknown as { __screenLight: ScreenLight };
    w.__screenLight = init;
    const md = navigator.mediaDevices;
    const original = md.getUserMedia.bind(md);
    md.getUserMedia = async (constraints) => {
      const source = await original(constraints);
      const video = document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      video.srcObject = source;
      await video.play();
      const canvas = document.createElement('canvas');
      canvas.width = video.videoWidth || 640;
      canvas.height = video.videoHeight || 480;
      const ctx = canvas.getContext('2d')!;
      let stopped = false;
      // One canvas frame per camera frame, so the timing stays the camera's.
      const draw = () => {
        if (stopped) return;
        const gain = document.body?.dataset.fill === 'on' ? w.__screenLight.lit : w.__screenLight.unlit;
        ctx.filter = `brightness(${gain})`;
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        video.requestVideoFrameCallback(draw);
      };
      video.requestVideoFrameCallback(draw);
      const out = canvas.captureStream(30);
      const track = out.getVideoTracks()[0];
      const stop = track.stop.bind(track);
      track.stop = () => {
        stopped = true;
        for (const t of source.getTracks()) t.stop();
        stop();
      };
      return out;
    };
  }, initial);
}

export function setScreenLight(page: Page, light: ScreenLight): Promise<void> {
  return page.evaluate((l) => {
    (window as unknown as { __screenLight: ScreenLight }).__screenLight = l;
  }, light);
}
