// Placeholder replaced by the harness's global setup.
export default function setup() {}
