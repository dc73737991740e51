"""Personal data protected at rest (PIPL, 等保 数据保密性): phones sealed with SM4-GCM, found by a keyed hash."""
