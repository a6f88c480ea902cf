// Entry point: restore the session from the refresh cookie (if any), then show the page.
import { render } from "preact";
import { restore } from "./api/session";
import { App } from "./App";
import { followLink } from "./router";
import "./styles.css";

document.addEventListener("click", followLink);
render(<App />, document.getElementById("app")!);
void restore();
