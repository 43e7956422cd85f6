// The batch page: asks the API for the run's state every half second until it is done or failed.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const section = document.getElementById("batch");
  if (!section) return;
  const words = section.dataset.lang === "en"
    ? {running: "running", done: "done", failed: "failed", starting: "starting"}
    : {running: "en cours", done: "terminé", failed: "échec", starting: "démarrage"};
  const show = (state) => {
    const bar = document.getElementById("progress");
    if (state.lines_total) bar.max = state.lines_total;
    bar.value = state.status === "done" ? bar.max : (state.rows_done || state.lines_done || 0);
    document.getElementById("state").textContent = words[state.status] || state.status;
    for (const key of ["lines_done", "rows_decided", "decisions_new", "rows_rejected"]) {
      document.getElementById(key).textContent = String(state[key]);
    }
    document.getElementById("error").textContent = state.error || "";
    document.getElementById("downloads").hidden = !(state.downloads && state.downloads.decisions);
    section.dataset.status = state.status;
  };
  const poll = async () => {
    const answer = await fetch("/api/v1/batches/" + section.dataset.run, {credentials: "same-origin"});
    if (!answer.ok) return;
    const state = await answer.json();
    show(state);
    if (state.status === "running" || state.status === "starting") setTimeout(poll, 500);
  };
  poll();
});
