// How the workspace fits the screen. CSS lays it out: list, thread and profile side by side on
// a wide screen; the profile as a drawer where there is no room for it; on a phone the list and
// the thread as two screens. This keeps focus where people expect it across those changes.
import { $ } from "./core.js";

const DRAWER = window.matchMedia("(max-width: 70rem)"); // as in workspace.css
// A phone or tablet without a mouse: its on-screen keyboard would cover the thread.
const TOUCH = window.matchMedia("(hover: none) and (pointer: coarse)");

export class WorkspaceLayout {
  constructor({ list, composer, onBack }) {
    this.list = list;
    this.composer = composer;
    this.onBack = onBack;
    this.workspace = $("workspace");
    this.thread = document.querySelector(".ws-thread");
    this.toggle = $("profile-toggle");
    this.panel = $("profile-panel");
    this.backdrop = $("drawer-backdrop");
    $("thread-back").addEventListener("click", () => this.back());
    this.toggle.addEventListener("click", () => this.setDrawer(true));
    $("profile-close").addEventListener("click", () => this.closeDrawer());
    this.backdrop.addEventListener("click", () => this.closeDrawer());
    DRAWER.addEventListener("change", () => this.setDrawer(false));
    document.querySelector(".skip-link")?.addEventListener("click", (event) => {
      event.preventDefault();
      this.skipToContent();
    });
  }

  /** "Skip to content": the conversation list, or the thread where the list is not on screen. */
  skipToContent() {
    if (this.list.isShown()) this.list.focus();
    else this.focusThread();
  }

  /** A conversation was opened by the agent: ready to answer, except on a touch screen,
   * where the title takes focus so the keyboard does not pop up over what is to be read. */
  focusOpened() {
    if (TOUCH.matches || !this.composer?.focus()) this.focusThread();
  }

  focusThread() {
    $("thread-title").focus();
  }

  /** The back control (phones): to the list, on the row of the conversation just left. */
  back() {
    const left = this.onBack();
    this.returnToList(left);
  }

  returnToList(conversationId) {
    this.setDrawer(false);
    if (!this.list.focusRow(conversationId)) this.list.focus();
  }

  /** `/`: the search box, coming back to the list first on a phone. */
  focusSearch() {
    if (!this.list.isShown()) this.onBack();
    const search = $("search");
    search.focus();
    search.select();
  }

  drawerOpen() {
    return this.toggle.getAttribute("aria-expanded") === "true";
  }

  /** Escape: close the drawer if it is open (true), giving focus back to its button. */
  closeDrawer() {
    if (!this.drawerOpen()) return false;
    this.setDrawer(false);
    this.toggle.focus();
    return true;
  }

  /** The profile over the thread, where the screen has no room for it beside the thread. */
  setDrawer(open) {
    const shown = open && DRAWER.matches;
    this.toggle.setAttribute("aria-expanded", String(shown));
    this.workspace.classList.toggle("drawer-open", shown);
    this.backdrop.hidden = !shown;
    // What the drawer covers is out of reach of Tab and screen readers while it is open.
    this.thread.inert = shown;
    if (shown) this.panel.focus();
  }
}
