// The camera a face in front of the screen gives, simulated for headless Chromium, whose fake
// camera cannot see the page: an init script that redraws the camera's picture through a canvas
// and adds a little of the colour the page shows (the light challenge's #light element), the way
// skin, paper or a phone's glass in front of a display reflects it. An injected video (a virtual
// camera, a deepfake stream) does not see the screen: `reflect: false` with `injectedUrl`.
// Used by eval:pad (--screen-reflection) and the high-risk e2e cases.

export interface ScreenReflectionOptions {
  /** The picture's source: a video URL played in a loop instead of the camera (an injected stream). */
  injectedUrl?: string;
  /** Add the screen's colour to the picture (a presentation in front of the display). */
  reflect: boolean;
  /** Share of the screen's colour added to each pixel (default 0.04). */
  strength?: number;
}

/** An init script (page.addInitScript) replacing navigator.mediaDevices.getUserMedia. */
export function screenReflectionScript({ injectedUrl, reflect, strength = 0.04 }: ScreenReflectionOptions): string {
  return `(() => {
  const md = navigator.mediaDevices;
  const camera = md.getUserMedia.bind(md);
  const injected = ${JSON.stringify(injectedUrl ?? null)};
  md.getUserMedia = async (constraints) => {
    const video = document.createElement('video');
    video.muted = true; video.loop = true; video.playsInline = true;
    let source = null;
    if (injected) video.src = injected;
    else { source = await camera(constraints); video.srcObject = source; }
    await video.play();
    if (!${reflect}) return injected ? video.captureStream() : source;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth || 640; canvas.height = video.videoHeight || 480;
    const g = canvas.getContext('2d');
    const timer = setInterval(() => {
      g.globalCompositeOperation = 'source-over';
      g.drawImage(video, 0, 0, canvas.width, canvas.height);
      const light = document.getElementById('light');
      const m = light && !light.hidden ? /rgba?\\((\\d+), (\\d+), (\\d+)(, ([\\d.]+))?\\)/.exec(getComputedStyle(light).backgroundColor) : null;
      if (m && m[5] !== '0') {
        g.globalCompositeOperation = 'lighter';
        g.fillStyle = 'rgba(' + m[1] + ', ' + m[2] + ', ' + m[3] + ', ${strength})';
        g.fillRect(0, 0, canvas.width, canvas.height);
      }
    }, 1000 / 30);
    const out = canvas.captureStream(30);
    const track = out.getVideoTracks()[0];
    const stop = track.stop.bind(track);
    track.stop = () => { clearInterval(timer); if (source) for (const t of source.getTracks()) t.stop(); stop(); };
    return out;
  };
})();`;
}

/** The script for a presentation in front of the screen (built once). */
const REFLECTING = screenReflectionScript({ reflect: true });

/**
 * The init script for one presentation of an eval run with the screen's reflection simulated
 * (`--screen-reflection`): everything physical in front of the display reflects it, a person, a
 * print, a screen or a mask alike; an injected deepfake video never sees the screen.
 */
export function reflectionFor(simulate: boolean, attackType: string | null): string | undefined {
  return simulate && attackType !== 'deepfake' ? REFLECTING : undefined;
}
