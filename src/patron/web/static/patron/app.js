// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  uploadProgress();
  importProgress();
  mergeChoice();
  confirmFirst();
  printButtons();
});

// A page made to be printed (an account plan for a review meeting) gets its print button.
function printButtons() {
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
}

// A form that sends to many people at once (a campaign, an event's invitations) asks first.
function confirmFirst() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

// The upload's own progress bar; the server then sends the browser to the import's page.
function uploadProgress() {
  const form = document.getElementById("import-form");
  const bar = document.getElementById("upload-progress");
  if (!form || !bar || !window.XMLHttpRequest) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    bar.hidden = false;
    request.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    });
    request.addEventListener("load", () => {
      if (request.responseURL && request.responseURL !== window.location.href) {
        window.location.assign(request.responseURL);
        return;
      }
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.send(new FormData(form));
  });
}

// While the worker imports, poll the run and move the bar and the counts.
function importProgress() {
  const box = document.getElementById("import-run");
  if (!box || !box.dataset.progressUrl) return;
  const bar = document.getElementById("import-progress");
  const status = document.getElementById("run-status");
  const format = new Intl.NumberFormat(document.documentElement.lang || undefined);
  const poll = async () => {
    let data;
    try {
      const response = await fetch(box.dataset.progressUrl, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch (error) {
      setTimeout(poll, 3000);
      return;
    }
    if (bar) bar.value = data.progress;
    if (status) {
      status.textContent = data.status_label;
      status.className = "badge run-" + data.status;
    }
    box.dataset.status = data.status;
    for (const cell of box.querySelectorAll("[data-count]")) {
      const value = data[cell.dataset.count];
      if (value !== undefined) cell.textContent = format.format(value);
    }
    if (data.finished) {
      window.location.reload();
      return;
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
}

// On the side-by-side page, say what moves for the party chosen to keep.
function mergeChoice() {
  const form = document.getElementById("merge-form");
  if (!form) return;
  const update = () => {
    const chosen = form.querySelector("input[name=survivor]:checked");
    for (const line of form.querySelectorAll(".merge-summary")) {
      line.hidden = !chosen || line.dataset.survivor !== chosen.value;
    }
  };
  form.addEventListener("change", update);
  update();
}
