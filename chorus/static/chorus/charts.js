// Analytics charts (Chart.js, vendored). Data comes from a json_script element
// written by the page: no inline script, as the Content-Security-Policy requires.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("analytics-chart");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const options = { responsive: true, maintainAspectRatio: false, animation: !reduced };

  const series = document.getElementById("chart-series");
  if (series) {
    new Chart(series, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Shares", data: data.shares, borderColor: "#3b4bdb", backgroundColor: "#3b4bdb", tension: 0.2 },
          { label: "Clicks", data: data.clicks, borderColor: "#1e7f4f", backgroundColor: "#1e7f4f", tension: 0.2 },
          { label: "Engagement", data: data.engagement, borderColor: "#a86400", backgroundColor: "#a86400", tension: 0.2 },
        ],
      },
      options: { ...options, interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }

  const networks = document.getElementById("chart-networks");
  if (networks && data.networks.labels.length) {
    new Chart(networks, {
      type: "bar",
      data: {
        labels: data.networks.labels,
        datasets: [
          { label: "Shares", data: data.networks.shares, backgroundColor: "#3b4bdb" },
          { label: "Clicks", data: data.networks.clicks, backgroundColor: "#1e7f4f" },
        ],
      },
      options: { ...options, indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }

  // Funnel bars: widths from data-percent (no inline style attribute under the CSP).
  document.querySelectorAll(".funnel-bar[data-percent]").forEach((bar) => {
    bar.style.width = `${Math.min(100, Number(bar.dataset.percent) || 0)}%`;
  });
});
