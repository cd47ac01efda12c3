// Follows a background job's progress on the job page. Without this file the page refreshes itself.
"use strict";

(function () {
  const box = document.getElementById("job");
  if (!box) return;
  const bar = document.getElementById("job-progress");
  const state = box.querySelector(".job-state");

  function show(job) {
    bar.value = job.progress;
    bar.textContent = `${Math.round(job.progress * 100)}%`;
    state.textContent = job.status + (job.error ? ` — ${job.error}` : "");
  }

  async function poll() {
    const job = await window.Ideapool.api("GET", box.dataset.endpoint);
    show(job);
    if (job.status === "finished" || job.status === "failed") {
      // the page's heading and links follow the final state
      window.location.reload();
      return;
    }
    window.setTimeout(() => poll().catch(() => {}), 500);
  }

  if (box.dataset.status === "queued" || box.dataset.status === "started") poll().catch(() => {});
})();
