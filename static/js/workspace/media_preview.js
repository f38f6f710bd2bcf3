// A photo or video the agent chose, dragged in or pasted: shown in a dialog with an optional
// caption and what sending it costs (free reply or paid push); nothing is sent until the agent
// confirms, and Cancel or Escape sends nothing.
import { $, t } from "./core.js";
import { openModal } from "./modal.js";

const KINDS = { "image/jpeg": "image", "image/png": "image", "video/mp4": "video" };

/** The first file of a drop or a paste LINE can take, or of any kind if none can. */
export function mediaFile(files) {
  const all = [...(files || [])];
  return all.find((file) => KINDS[file.type]) || all[0] || null;
}

export class MediaPreview {
  constructor(composer) {
    this.composer = composer;
    this.dialog = $("media-dialog");
    this.image = $("media-image");
    this.video = $("media-video");
    this.caption = $("media-caption");
    this.cost = $("media-cost");
    this.error = $("media-error");
    this.confirm = $("media-send");
    this.file = null;
    this.url = null;
    this.sending = false;
    $("media-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    $("media-cancel").addEventListener("click", () => this.dialog.close());
    this.dialog.addEventListener("close", () => this.clear());
    this.wireDropAndPaste();
  }

  wireDropAndPaste() {
    const area = this.composer.form.closest(".answer") || this.composer.form;
    const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
    area.addEventListener("dragover", (event) => {
      if (!carriesFiles(event) || !this.composer.canSendNow()) return;
      event.preventDefault();
      area.classList.add("is-drop-target");
    });
    area.addEventListener("dragleave", () => area.classList.remove("is-drop-target"));
    area.addEventListener("drop", (event) => {
      area.classList.remove("is-drop-target");
      const file = mediaFile(event.dataTransfer?.files);
      if (!file || !this.composer.canSendNow()) return;
      event.preventDefault();
      this.show(file);
    });
    this.composer.text.addEventListener("paste", (event) => {
      const file = mediaFile(event.clipboardData?.files);
      if (!file) return; // plain text pastes as usual
      event.preventDefault();
      this.show(file);
    });
  }

  /** Open the preview for `file`; a file LINE cannot take is refused at once, with why. */
  show(file) {
    const kind = KINDS[file.type];
    this.composer.error.textContent = "";
    if (!kind) {
      this.composer.error.textContent = t("mediaWrongType");
      return;
    }
    this.file = file;
    this.url = URL.createObjectURL(file);
    this.image.hidden = kind !== "image";
    this.video.hidden = kind !== "video";
    if (kind === "image") {
      this.image.src = this.url;
      this.image.alt = file.name;
    } else {
      this.video.src = this.url;
    }
    $("media-title").textContent = t(kind === "image" ? "previewPhoto" : "previewVideo");
    $("media-name").textContent = file.name;
    this.caption.value = "";
    this.error.textContent = "";
    this.update();
    openModal(this.dialog, this.caption);
  }

  /** The cost line follows the composer: the reply window may close while the dialog is open. */
  update() {
    if (!this.dialog.open && !this.file) return;
    const plan = this.composer.plan;
    this.cost.className = `composer-hint hint-${plan.way}`;
    this.cost.textContent = plan.text;
    this.confirm.disabled = this.sending || plan.way === "none";
    this.confirm.classList.toggle("is-push", plan.way === "push");
  }

  async send() {
    if (!this.file || this.confirm.disabled) return;
    this.sending = true;
    this.update();
    this.error.textContent = "";
    try {
      // Held back (a colleague is answering): the preview stays, with its caption.
      if (await this.composer.sendFile(this.file, this.caption.value)) this.dialog.close();
    } catch (error) {
      this.error.textContent = error.message; // the dialog stays: nothing is lost
    } finally {
      this.sending = false;
      this.update();
    }
  }

  clear() {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.file = null;
    this.image.removeAttribute("src");
    this.video.removeAttribute("src");
  }
}
