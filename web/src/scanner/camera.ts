// QR codes from the camera: the browser's BarcodeDetector where it has one, otherwise jsQR, a
// small decoder loaded only here (its own chunk, fetched when the camera starts). The camera
// needs a secure context: HTTPS, or http://localhost.

interface Detector {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}
type DetectorClass = {
  new (options: { formats: string[] }): Detector;
  getSupportedFormats?: () => Promise<string[]>;
};

export function cameraAvailable(): boolean {
  return window.isSecureContext && !!navigator.mediaDevices?.getUserMedia;
}

async function nativeDetector(): Promise<Detector | null> {
  const Native = (window as unknown as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  if (!Native) return null;
  const formats = (await Native.getSupportedFormats?.().catch(() => [])) ?? [];
  return formats.includes("qr_code") ? new Native({ formats: ["qr_code"] }) : null;
}

async function jsqrDetector(): Promise<Detector> {
  const { default: jsQR } = await import("jsqr");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return {
    async detect(source) {
      const video = source as HTMLVideoElement;
      if (!context || !video.videoWidth) return [];
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      return found ? [{ rawValue: found.data }] : [];
    },
  };
}

// Starts the camera into `video` and calls onCode for each QR code read. The same code again
// only after it has been out of sight for 3 s: every sighting restarts the pause, so a ticket
// held in front of the camera is one scan however long it stays there. Returns the function
// that stops the camera.
export async function startCamera(video: HTMLVideoElement, onCode: (text: string) => void): Promise<() => void> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  video.srcObject = stream;
  await video.play();
  const detector = (await nativeDetector()) ?? (await jsqrDetector());
  let running = true;
  let last = "";
  let lastAt = 0;
  const tick = async () => {
    if (!running) return;
    try {
      const [code] = await detector.detect(video);
      const now = Date.now();
      if (code) {
        const fresh = code.rawValue !== last || now - lastAt > 3000;
        last = code.rawValue;
        lastAt = now;
        if (fresh) onCode(code.rawValue);
      }
    } catch {
      // a frame that could not be read: try the next one
    }
    if (running) setTimeout(() => void tick(), 250);
  };
  void tick();
  return () => {
    running = false;
    stream.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
  };
}
