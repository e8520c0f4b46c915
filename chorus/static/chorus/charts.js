// Analytics charts (Chart.js, vendored). Data comes from a json_script element
// written by the page: no inline script, as the Content-Security-Policy requires.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("analytics-chart");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  // Numbers in the page's language; the series' names come from the canvas (data-label-*),
  // written by the template in the member's language.
  const locale = document.documentElement.lang || undefined;
  const options = { responsive: true, maintainAspectRatio: false, animation: !reduced, locale };
  const label = (canvas, name, fallback) => canvas.dataset[name] || fallback;

  const series = document.getElementById("chart-series");
  if (series) {
    new Chart(series, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: label(series, "labelShares", "Shares"), data: data.shares, borderColor: "#3b4bdb", backgroundColor: "#3b4bdb", tension: 0.2 },
          { label: label(series, "labelClicks", "Clicks"), data: data.clicks, borderColor: "#1e7f4f", backgroundColor: "#1e7f4f", tension: 0.2 },
          { label: label(series, "labelEngagement", "Engagement"), data: data.engagement, borderColor: "#a86400", backgroundColor: "#a86400", tension: 0.2 },
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
          { label: label(networks, "labelShares", "Shares"), data: data.networks.shares, backgroundColor: "#3b4bdb" },
          { label: label(networks, "labelClicks", "Clicks"), data: data.networks.clicks, backgroundColor: "#1e7f4f" },
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
