// Care reports' chart (Chart.js, vendored). Data comes from a json_script element written
// by the page (no inline script, as the Content-Security-Policy requires); the series'
// names come from the canvas's data-label-* attributes, in the member's language.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("care-chart");
  const canvas = document.getElementById("care-chart-days");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const locale = document.documentElement.lang || undefined;
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        { label: canvas.dataset.labelOpened, data: data.opened, borderColor: "#3b4bdb", backgroundColor: "#3b4bdb", tension: 0.2 },
        { label: canvas.dataset.labelAnswered, data: data.answered, borderColor: "#1e7f4f", backgroundColor: "#1e7f4f", tension: 0.2 },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: !reduced,
      locale,
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
});
