/**
 * The evaluation as a picture (SVG, no dependency): per set, Hit@1 and Answer@1 for every language,
 * kind and style, and the caveat's calibration — how often confident and caveated answers are right at
 * rank 1, and how many answerable questions carry the caveat. A change is judged at a glance.
 */
import type { Scores } from './eval-score.js';

const BAR = 14;
const GAP = 6;
const LABEL_W = 120;
const PLOT_W = 360;
const COLORS = { hit1: '#2b6cb0', answer: '#dd6b20', right: '#2f855a', caveatRight: '#c53030', caveated: '#718096' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function bars(x: number, y: number, rows: [string, Scores][], series: [keyof Scores, string, string][]): { svg: string; height: number } {
  const parts: string[] = [];
  let cy = y;
  for (const [label, s] of rows) {
    parts.push(`<text x="${x + LABEL_W - 6}" y="${cy + BAR * series.length / 2 + 4}" text-anchor="end" font-size="11">${esc(label)} (${s.answerable})</text>`);
    for (const [key, color] of series) {
      const v = Number(s[key]) || 0;
      parts.push(`<rect x="${x + LABEL_W}" y="${cy}" width="${(v * PLOT_W).toFixed(1)}" height="${BAR - 2}" fill="${color}"/>`);
      parts.push(`<text x="${x + LABEL_W + v * PLOT_W + 3}" y="${cy + BAR - 4}" font-size="10">${v.toFixed(2)}</text>`);
      cy += BAR;
    }
    cy += GAP;
  }
  for (const t of [0, 0.5, 0.9, 1]) {
    const gx = x + LABEL_W + t * PLOT_W;
    parts.push(`<line x1="${gx}" y1="${y - 4}" x2="${gx}" y2="${cy}" stroke="#ccc" stroke-dasharray="${t === 0.9 ? '4 2' : '1 0'}"/>`);
  }
  return { svg: parts.join(''), height: cy - y };
}

function legend(x: number, y: number, series: [keyof Scores, string, string][]): string {
  return series.map(([, color, name], i) => `<rect x="${x + i * 130}" y="${y}" width="10" height="10" fill="${color}"/><text x="${x + i * 130 + 14}" y="${y + 9}" font-size="11">${esc(name)}</text>`).join('');
}

export function evalChart(report: Record<string, Record<string, Scores>>): string {
  const quality: [keyof Scores, string, string][] = [
    ['hit1', COLORS.hit1, 'Hit@1'],
    ['answerLine', COLORS.answer, 'Answer@1'],
  ];
  const caveat: [keyof Scores, string, string][] = [
    ['confidentRight', COLORS.right, 'right | confident'],
    ['caveatedRight', COLORS.caveatRight, 'right | caveat'],
    ['caveated', COLORS.caveated, 'caveated share'],
  ];
  const parts: string[] = [];
  let y = 20;
  const colW = LABEL_W + PLOT_W + 60;
  for (const [set, scores] of Object.entries(report)) {
    parts.push(`<text x="10" y="${y}" font-size="14" font-weight="bold">${esc(set)}</text>`);
    y += 10;
    parts.push(legend(10 + LABEL_W, y, quality), legend(colW + LABEL_W, y, caveat));
    y += 22;
    const rows = Object.entries(scores).filter(([, s]) => s.answerable > 0);
    const left = bars(10, y, rows, quality);
    const right = bars(colW, y, rows.filter(([k]) => k === 'all' || k.startsWith('lang:') || k.startsWith('style:')), caveat);
    parts.push(left.svg, right.svg);
    y += Math.max(left.height, right.height) + 24;
  }
  const width = 2 * colW + 20;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}
