// Debian's Chromium, headless, as both scripts drive it: $CHROMIUM or
// /usr/bin/chromium. The tests run as root in a container: no sandbox.
// Exits 1 (the browser could not run) when it does not start.
import { chromium } from "playwright-core";

export async function launch() {
  try {
    return await chromium.launch({
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
  } catch (e) {
    console.error(`cannot start Chromium: ${e.message}`);
    process.exit(1);
  }
}
