print("shardscope")
