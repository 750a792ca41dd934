import { paceHeap, PACED_FROM } from "../../../src/cli/program.js";

describe("the heap's pace for run and undo", () => {
  it("is set from PACED_FROM moves on, and left to V8 below", async () => {
    const set: string[] = [];
    const setFlags = (flags: string): Promise<void> => {
      set.push(flags);
      return Promise.resolve();
    };
    await paceHeap(1, setFlags);
    await paceHeap(PACED_FROM - 1, setFlags);
    expect(set).toEqual([]);
    await paceHeap(PACED_FROM, setFlags);
    expect(set).toEqual(["--heap-growing-percent=30"]);
  });
});
