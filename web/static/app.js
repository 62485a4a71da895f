// Small progressive enhancements; every page works without them except folder drag-and-drop.
"use strict";

document.querySelectorAll("[data-back]").forEach((link) => {
  link.addEventListener("click", (event) => { event.preventDefault(); history.back(); });
});

// Phones: each cell of a stacked table says which column it belongs to (app.css, table.stack).
document.querySelectorAll("table.stack").forEach((table) => {
  const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  table.querySelectorAll("tbody tr").forEach((row) => {
    [...row.children].forEach((cell, i) => { if (heads[i]) cell.dataset.label = heads[i]; });
  });
});

// --- upload: files or whole folders, dropped or picked, each with its component name ---------
const uploadForm = document.querySelector("form[data-upload]");
if (uploadForm) {
  const picked = [];  // {file, path}
  const table = uploadForm.querySelector("[data-picked]");
  const body = table.querySelector("tbody");
  const state = uploadForm.querySelector("[data-upload-state]");

  const show = () => {
    body.replaceChildren(...picked.map((entry) => {
      const row = document.createElement("tr");
      const name = document.createElement("td");
      name.textContent = entry.path;
      const cell = document.createElement("td");
      const input = document.createElement("input");
      input.placeholder = "Tờ khai, Bản sao CCCD…";
      input.value = entry.component || "";
      input.addEventListener("input", () => { entry.component = input.value; });
      cell.append(input);
      row.append(name, cell);
      return row;
    }));
    table.hidden = picked.length === 0;
  };
  const add = (file, path) => {
    if (!picked.some((entry) => entry.path === path)) picked.push({ file, path });
  };
  const readEntry = (entry) => new Promise((resolve) => {
    if (entry.isFile) {
      entry.file((file) => { add(file, entry.fullPath.replace(/^\//, "")); resolve(); }, resolve);
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      const all = [];
      const next = () => reader.readEntries((entries) => {
        if (!entries.length) { Promise.all(all).then(resolve); return; }
        entries.forEach((child) => all.push(readEntry(child)));
        next();
      }, resolve);
      next();
    } else { resolve(); }
  });

  uploadForm.querySelector("[data-files]").addEventListener("change", (event) => {
    [...event.target.files].forEach((file) => add(file, file.name));
    show();
  });
  uploadForm.querySelector("[data-folder]").addEventListener("change", (event) => {
    [...event.target.files].forEach((file) => add(file, file.webkitRelativePath || file.name));
    show();
  });
  const drop = uploadForm.querySelector("[data-drop]");
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const entries = [...event.dataTransfer.items].map((item) => item.webkitGetAsEntry()).filter(Boolean);
    await Promise.all(entries.map(readEntry));
    show();
  });

  uploadForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData();
    for (const field of uploadForm.querySelectorAll("input[name], select[name]")) {
      if (field.type !== "file") data.append(field.name, field.value);
    }
    picked.forEach((entry) => {
      data.append("files", entry.file, entry.path);
      data.append("components", entry.component || "");
    });
    // XMLHttpRequest, not fetch: only it reports how much of a large batch has been sent.
    const bar = uploadForm.querySelector("[data-upload-progress]");
    const button = uploadForm.querySelector("button[type=submit]");
    const request = new XMLHttpRequest();
    request.open("POST", uploadForm.action);
    request.setRequestHeader("X-CSRF-Token", uploadForm.dataset.csrf);
    request.upload.addEventListener("progress", (sent) => {
      if (!sent.lengthComputable) return;
      const percent = Math.floor((100 * sent.loaded) / sent.total);
      bar.hidden = false;
      bar.value = percent;
      state.textContent = percent < 100 ? `Đang tải lên… ${percent}%` : "Đã gửi xong, đang kiểm tra các tệp…";
    });
    request.addEventListener("load", () => {
      if (new URL(request.responseURL).pathname !== new URL(uploadForm.action).pathname) {
        window.location.assign(request.responseURL);  // accepted: on to the batch's page
        return;
      }
      document.open(); document.write(request.responseText); document.close();
    });
    request.addEventListener("error", () => {
      button.disabled = false;
      bar.hidden = true;
      state.textContent = "Mất kết nối khi đang tải lên. Các tệp đã chọn vẫn còn: hãy kiểm tra mạng rồi bấm Tải lên lại.";
    });
    button.disabled = true;
    state.textContent = "Đang tải lên…";
    request.send(data);
  });
}

// --- batch progress: poll the API until the report is there, then show it ---------------------
const progress = document.querySelector("[data-progress]");
if (progress && progress.dataset.state !== "finished") {
  const poll = async () => {
    const response = await fetch(progress.dataset.progress, { credentials: "same-origin" });
    if (response.ok) {
      const now = await response.json();
      if (now.state !== progress.dataset.state || now.state === "processing") { window.location.reload(); return; }
    }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
}

// --- review: the scan zoomed in steps, or at the spot clicked, to read small card print -------
const zoomArea = document.querySelector("[data-zoom-area]");
if (zoomArea) {
  const image = zoomArea.querySelector("img");
  const tools = document.querySelector("[data-zoom-tools]");
  const level = tools.querySelector("[data-zoom-level]");
  const steps = [1, 1.5, 2, 3, 4];
  let step = 0;
  const zoomTo = (next, x = 0.5, y = 0.5) => {
    step = Math.max(0, Math.min(steps.length - 1, next));
    image.style.width = `${steps[step] * 100}%`;
    level.textContent = `${steps[step] * 100}%`;
    zoomArea.scrollLeft = x * zoomArea.scrollWidth - zoomArea.clientWidth / 2;
    zoomArea.scrollTop = y * zoomArea.scrollHeight - zoomArea.clientHeight / 2;
  };
  tools.hidden = false;
  tools.querySelectorAll("[data-zoom]").forEach((button) => {
    button.addEventListener("click", () => zoomTo(step + Number(button.dataset.zoom)));
  });
  image.addEventListener("click", (event) => {
    event.preventDefault();  // without the script the link opens the scan whole in a new tab
    const box = image.getBoundingClientRect();
    zoomTo(step === steps.length - 1 ? 0 : step + 1, (event.clientX - box.left) / box.width,
           (event.clientY - box.top) / box.height);
  });
}

// --- review: the keyboard alone goes through the fields, saves, confirms and moves on ----------
const reviewForm = document.querySelector("form.fields");
if (reviewForm) {
  const fields = [...reviewForm.querySelectorAll("input:not([type=hidden])")];
  const press = (value) => reviewForm.querySelector(`button[value=${value}]`).click();
  reviewForm.querySelector("[data-keys]").hidden = false;
  (fields.find((field) => field.closest("label.flagged")) || fields[0])?.focus();
  reviewForm.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); press("confirm"); return; }
    if (event.key.toLowerCase() === "s" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); press("save"); return; }
    const at = fields.indexOf(event.target);
    if (event.key === "Enter" && at >= 0) {  // Enter in a field moves on instead of saving half-way
      event.preventDefault();
      (fields[at + 1] || reviewForm.querySelector("[data-confirm]")).focus();
    }
  });
}
