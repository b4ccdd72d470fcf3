/** The playground's entry: picks the page from `?page=` (run, the default, or train). */
import { param } from "./query.js";
import { mountRunPage } from "./run-page.js";
import { crossOriginIsolatedPage } from "./threads.js";
import { mountTrainPage } from "./train-page.js";

const page = param("page", "run");
const root = document.getElementById("page")!;
document.getElementById("platform")!.textContent = `cross-origin isolated: ${crossOriginIsolatedPage() ? "yes" : "no"}`;
for (const name of ["train", "run"]) document.getElementById(`nav-${name}`)!.classList.toggle("active", name === page);
if (page === "train") mountTrainPage(root);
else if (page === "run") mountRunPage(root);
else root.textContent = `URL parameter page: expected "run" or "train", got "${page}"`;
document.body.dataset["ready"] = "true";
