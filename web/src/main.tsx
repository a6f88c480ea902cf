// Entry point: restore the session from the refresh cookie (if any), then show the page.
import { render } from "preact";
import { restore } from "./api/session";
import { App } from "./App";
import { followLink } from "./router";
import "./styles.css";

document.addEventListener("click", followLink);
render(<App />, document.getElementById("app")!);
void restore();
// The app's files for offline use (public/sw.js); where service workers are unavailable (not a
// secure context) the app works as before, online.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .register("/sw.js")
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      const urls = performance
        .getEntriesByType("resource")
        .map((entry) => entry.name)
        .filter((url) => url.startsWith(`${location.origin}/assets/`));
      registration.active?.postMessage({ type: "keep", urls });
    })
    .catch(() => undefined);
}
