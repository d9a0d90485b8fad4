/** The paragraph the demo opens with: what "Finding induction heads" runs first. */
export const SEED_TEXT =
  "We think that powerful, significantly superhuman machine intelligence is more likely than not to be created this century. " +
  "If current machine learning techniques were scaled up to this level, we think they would by default produce systems that are " +
  "deceptive or manipulative, and that no solid plans are known for how to avoid this.";
