// bumpbench dashboard: draws the charts a page describes (uPlot, served by our own server) and keeps a
// running job's page live (server-sent events). Plain script, no build step. Every chart has its data as a
// table in the page, so nothing here is needed to read the numbers.
(function () {
  'use strict';
  var pageData = JSON.parse(document.getElementById('page-data').textContent || '{}');
  var registry = {};
  window.bumpbench = { charts: registry };

  function fmt(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return '—';
    return Number(v).toFixed(digits === undefined ? 1 : digits);
  }

  function signed(v) {
    return (v >= 0 ? '+' : '−') + Math.abs(v).toFixed(1) + '%';
  }

  function yOf(spec, data, i) {
    for (var s = 0; s < spec.series.length; s++) {
      var v = data[seriesOffset(spec) + s][i];
      if (v !== null && v !== undefined) return v;
    }
    return null;
  }

  function seriesOffset(spec) {
    return spec.band ? 3 : 1;
  }

  function buildData(spec) {
    var data = [spec.x.slice()];
    if (spec.band) {
      data.push(spec.band.map(function (b) { return b === null ? null : b; }));
      data.push(spec.band.map(function (b) { return b === null ? null : -b; }));
    }
    spec.series.forEach(function (s) { data.push(s.values.slice()); });
    return data;
  }

  function yRange(spec) {
    return function (u, min, max) {
      var lo = min, hi = max;
      if (spec.type === 'history' || spec.type === 'bars') {
        lo = Math.min(lo, 0);
        hi = Math.max(hi, 0);
      }
      if (spec.whiskers) {
        spec.whiskers.lo.forEach(function (v) { if (v !== null) lo = Math.min(lo, v); });
        spec.whiskers.hi.forEach(function (v) { if (v !== null) hi = Math.max(hi, v); });
      }
      if (spec.band) spec.band.forEach(function (b) { if (b !== null) { lo = Math.min(lo, -b); hi = Math.max(hi, b); } });
      if (!isFinite(lo) || !isFinite(hi)) { lo = -1; hi = 1; }
      var pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 1;
      return [spec.type === 'lines' && lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad];
    };
  }

  /** Room on both sides, so the first and last points are drawn whole. */
  function xRange(spec) {
    return function (u, min, max) {
      if (min === null || max === null) return [0, 1];
      var span = max - min;
      var pad = span > 0 ? span * 0.04 : spec.xTime ? 3600 : 1;
      return [min - pad, max + pad];
    };
  }

  function makeChart(spec, el) {
    var data = buildData(spec);
    var series = [{ label: spec.xLabel || (spec.xLabels ? 'metric' : 'x') }];
    if (spec.xLabels) series[0].value = function (u, v) { return v === null || v === undefined ? '—' : spec.xLabels[Math.round(v)] || '—'; };
    var bands;
    if (spec.band) {
      var bandStyle = { stroke: 'rgba(95,99,104,0.55)', width: 1, dash: [4, 4], points: { show: false }, spanGaps: true };
      series.push(Object.assign({ label: 'noise +' }, bandStyle));
      series.push(Object.assign({ label: 'noise −' }, bandStyle));
      bands = [{ series: [1, 2], fill: 'rgba(95,99,104,0.13)' }];
    }
    spec.series.forEach(function (s) {
      var cfg = { label: s.label, stroke: s.color, width: 2, spanGaps: true, value: function (u, v) { return fmt(v, 2); } };
      if (spec.type === 'history') {
        cfg.paths = function () { return null; };
        cfg.points = { show: true, size: 11, width: 1.5, fill: s.color, stroke: '#ffffff' };
        cfg.value = function (u, v) { return v === null || v === undefined ? '—' : signed(v); };
      } else if (spec.type === 'bars') {
        cfg.paths = uPlot.paths.bars({ size: [0.6, 64] });
        cfg.fill = s.color;
        cfg.points = { show: false };
      } else {
        cfg.points = { show: s.points !== false, size: 6, fill: s.color };
        if (s.line === false || (s.points && !s.line)) cfg.paths = function () { return null; };
        if (s.points && !s.line) cfg.points.size = 8;
      }
      series.push(cfg);
    });

    var categorical = !!spec.xLabels;
    var xAxis = { label: spec.xTime ? undefined : spec.xLabel, stroke: '#3c4043', grid: { stroke: '#e3e3e3' }, ticks: { stroke: '#c4c4c4' } };
    var integers = !spec.xTime && !categorical && spec.x.every(function (v) { return Math.round(v) === v; });
    if (integers) xAxis.incrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];
    if (categorical) {
      xAxis.splits = function () { return spec.x; };
      xAxis.values = function (u, splits) { return splits.map(function (i) { return spec.xLabels[i] || ''; }); };
      if (spec.xLabels.length > 6) { xAxis.rotate = -35; xAxis.size = 90; }
    }
    var opts = {
      width: Math.max(280, el.clientWidth || 640),
      height: spec.type === 'history' ? 280 : 260,
      series: series,
      bands: bands,
      scales: {
        x: categorical ? { time: false, range: [-0.6, spec.x.length - 0.4] } : { time: !!spec.xTime, range: spec.type === 'history' || spec.series.every(function (s) { return !s.line; }) ? xRange(spec) : undefined },
        y: { range: yRange(spec) },
      },
      axes: [xAxis, { label: spec.yLabel, stroke: '#3c4043', grid: { stroke: '#e3e3e3' }, ticks: { stroke: '#c4c4c4' }, size: 60 }],
      cursor: { drag: { x: false, y: false, setScale: false }, points: { size: 14, width: 2 } },
      legend: { show: spec.type !== 'history' },
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          if (spec.type === 'history' || spec.type === 'bars') {
            var y0 = Math.round(u.valToPos(0, 'y', true)) + 0.5;
            ctx.strokeStyle = '#5f6368';
            ctx.lineWidth = 1;
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y0);
            ctx.lineTo(u.bbox.left + u.bbox.width, y0);
            ctx.stroke();
          }
          if (spec.whiskers) {
            ctx.lineWidth = 2 * (window.devicePixelRatio || 1);
            for (var i = 0; i < spec.x.length; i++) {
              var lo = spec.whiskers.lo[i], hi = spec.whiskers.hi[i];
              if (lo === null || hi === null) continue;
              var color = '#5f6368';
              for (var s = 0; s < spec.series.length; s++) if (spec.series[s].values[i] !== null) color = spec.series[s].color;
              var x = Math.round(u.valToPos(spec.x[i], 'x', true));
              var cap = 5 * (window.devicePixelRatio || 1);
              ctx.strokeStyle = color;
              ctx.beginPath();
              ctx.moveTo(x, u.valToPos(lo, 'y', true));
              ctx.lineTo(x, u.valToPos(hi, 'y', true));
              ctx.moveTo(x - cap, u.valToPos(lo, 'y', true));
              ctx.lineTo(x + cap, u.valToPos(lo, 'y', true));
              ctx.moveTo(x - cap, u.valToPos(hi, 'y', true));
              ctx.lineTo(x + cap, u.valToPos(hi, 'y', true));
              ctx.stroke();
            }
          }
          ctx.restore();
        }],
        setCursor: [function (u) {
          var readout = document.getElementById(spec.id + '-readout');
          var i = u.cursor.idx;
          if (readout && i !== null && i !== undefined && spec.notes && spec.notes[i]) readout.textContent = spec.notes[i] + (spec.links && spec.links[i] ? ' (click or press Enter to open it)' : '');
        }],
      },
    };
    el.textContent = '';
    var u = new uPlot(opts, data, el);
    var chart = { spec: spec, plot: u, data: data, selected: null };
    registry[spec.id] = chart;

    /** Pixel position (page coordinates) of point i, for keyboard focus and for tests that click it. */
    chart.pointPosition = function (i) {
      var rect = u.over.getBoundingClientRect();
      var y = yOf(spec, chart.data, i);
      return { x: rect.left + u.valToPos(spec.x[i], 'x'), y: rect.top + u.valToPos(y === null ? 0 : y, 'y') };
    };

    if (spec.links) {
      u.over.style.cursor = 'pointer';
      u.over.addEventListener('click', function () {
        var i = u.cursor.idx;
        if (i !== null && i !== undefined && spec.links[i]) window.location.assign(spec.links[i]);
      });
    }
    // Keyboard: ← → move between points, Home/End jump, Enter opens the point's page.
    el.addEventListener('keydown', function (e) {
      var n = spec.x.length;
      if (!n) return;
      var i = chart.selected === null ? -1 : chart.selected;
      if (e.key === 'ArrowRight') i = Math.min(n - 1, i + 1);
      else if (e.key === 'ArrowLeft') i = Math.max(0, i < 0 ? n - 1 : i - 1);
      else if (e.key === 'Home') i = 0;
      else if (e.key === 'End') i = n - 1;
      else if (e.key === 'Enter') {
        if (chart.selected !== null && spec.links && spec.links[chart.selected]) window.location.assign(spec.links[chart.selected]);
        return;
      } else return;
      e.preventDefault();
      chart.selected = i;
      var y = yOf(spec, chart.data, i);
      u.setCursor({ left: u.valToPos(spec.x[i], 'x'), top: u.valToPos(y === null ? 0 : y, 'y') });
      var readout = document.getElementById(spec.id + '-readout');
      if (readout && !(spec.notes && spec.notes[i])) {
        readout.textContent = spec.series.map(function (s) { return s.label + ': ' + fmt(s.values[i], 2); }).join(', ');
      }
    });
    return chart;
  }

  function drawAll() {
    (pageData.charts || []).forEach(function (spec) {
      var el = document.querySelector('[data-chart="' + spec.id + '"]');
      if (el) makeChart(spec, el);
    });
  }

  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      Object.keys(registry).forEach(function (id) {
        var c = registry[id];
        var el = document.querySelector('[data-chart="' + id + '"]');
        if (el) c.plot.setSize({ width: Math.max(280, el.clientWidth), height: c.plot.height });
      });
    }, 150);
  });

  // ---- a running job, live ----
  function live(run) {
    var lastSeq = run.lastSeq || 0;
    var finished = false;
    var log = document.getElementById('run-log');
    var status = document.getElementById('run-status');
    var bar = document.getElementById('run-progress');
    var stateEl = document.getElementById('run-state');
    var soak = registry['soak-live'];

    function onProgress(p) {
      if (p.seq <= lastSeq) return;
      lastSeq = p.seq;
      var li = document.createElement('li');
      var time = document.createElement('span');
      time.className = 'muted';
      time.textContent = new Date(p.at).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
      var phase = document.createElement('strong');
      phase.textContent = p.phase;
      li.appendChild(time);
      li.appendChild(document.createTextNode(' '));
      li.appendChild(phase);
      li.appendChild(document.createTextNode(' ' + p.message));
      log.appendChild(li);
      status.textContent = '';
      var strong = document.createElement('strong');
      strong.textContent = p.phase;
      status.appendChild(strong);
      status.appendChild(document.createTextNode(' ' + p.message));
      if (p.step !== undefined && p.total) {
        bar.max = p.total;
        bar.value = p.step;
        bar.textContent = p.step + ' of ' + p.total;
      }
      if (soak && p.memoryMiB && p.step !== undefined) {
        soak.data[0].push(p.step);
        soak.data[1].push(p.memoryMiB.base);
        soak.data[2].push(p.memoryMiB.head);
        soak.spec.x = soak.data[0];
        soak.spec.series[0].values = soak.data[1];
        soak.spec.series[1].values = soak.data[2];
        soak.plot.setData(soak.data);
      }
    }

    function onState(r) {
      stateEl.innerHTML = '';
      var badge = document.createElement('span');
      badge.className = 'state state-' + r.state;
      badge.textContent = r.state;
      stateEl.appendChild(badge);
      if (r.resultUrl) {
        var box = document.getElementById('run-result');
        box.innerHTML = '';
        var a = document.createElement('a');
        a.href = r.resultUrl;
        a.textContent = 'See the result';
        box.appendChild(a);
        box.hidden = false;
      }
      if (r.error) {
        var err = document.getElementById('run-error');
        err.textContent = r.error;
        err.hidden = false;
      }
      if (r.state !== 'running') {
        finished = true;
        if (r.state === 'done') { bar.max = 1; bar.value = 1; }
      }
    }

    function poll() {
      if (finished) return;
      fetch(run.api + '?after=' + lastSeq, { headers: { accept: 'application/json' } })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (d) {
          if (d) { d.progress.forEach(onProgress); onState(d.run); }
          if (!finished) setTimeout(poll, 2000);
        }, function () { setTimeout(poll, 5000); });
    }

    if (run.state !== 'running') return;
    if (!window.EventSource) return poll();
    var source = new EventSource(run.events + '?after=' + lastSeq);
    source.addEventListener('progress', function (e) { onProgress(JSON.parse(e.data)); });
    source.addEventListener('state', function (e) {
      onState(JSON.parse(e.data));
      if (finished) source.close();
    });
    source.onerror = function () {
      if (source.readyState === 2 && !finished) poll();
    };
  }

  drawAll();
  if (pageData.run) live(pageData.run);
})();
