/**
 * A small terminal emulator for tests: applies what a program wrote to a screen of rows and returns the
 * rows as a person would see them at the end. Understands what progress displays and readline use:
 * CR, LF, cursor up/down/column (CSI A, B, G), erase line (CSI K, 2K) and erase below (CSI J).
 */
export function render(output: string, columns = 100): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = (): string[] => (rows[row] ??= []);
  for (let i = 0; i < output.length; i++) {
    const c = output[i] as string;
    if (c === "\u001b") {
      // eslint-disable-next-line no-control-regex
      const csi = /^\u001b\[([0-9;?]*)([A-Za-z])/.exec(output.slice(i));
      // eslint-disable-next-line no-control-regex
      const osc = /^\u001b\][^\u0007]*\u0007/.exec(output.slice(i));
      if (csi !== null) {
        const n = csi[1] === "" ? 1 : Number.parseInt(csi[1] ?? "1", 10);
        switch (csi[2]) {
          case "A":
            row = Math.max(0, row - n);
            break;
          case "B":
            row += n;
            break;
          case "G":
            col = Math.max(0, n - 1);
            break;
          case "K":
            if (csi[1] === "2") rows[row] = [];
            else line().length = Math.min(line().length, col);
            break;
          case "J":
            line().length = Math.min(line().length, col);
            rows.length = row + 1;
            break;
          default:
            break; // colours, cursor visibility
        }
        i += csi[0].length - 1;
      } else if (osc !== null) {
        i += osc[0].length - 1;
      }
    } else if (c === "\r") {
      col = 0;
    } else if (c === "\n") {
      row++;
      col = 0;
    } else {
      if (col >= columns) {
        row++;
        col = 0;
      }
      const l = line();
      while (l.length < col) l.push(" ");
      l[col++] = c;
    }
  }
  return Array.from({ length: rows.length }, (_, r) => (rows[r] ?? []).join("").trimEnd());
}
