/// `shardscope --version` (answered by the argument parser before any source is opened or library initialised).
let shardscopeVersion = "0.1.0"
