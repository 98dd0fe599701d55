// minesweep's built-in rules for cryptocurrency miners. General by design: option names, config keys and protocol
// strings every XMRig build and stratum client carries, not hashes or file names of one sample.

rule MSW_Miner_XMRig
{
    meta:
        description = "XMRig or a rebuild of it: its option names, config keys, algorithms and stratum strings"
        author = "minesweep"
        family = "xmrig"
        reference = "https://github.com/xmrig/xmrig (src/core/config/usage.h, src/config.json)"
        severity = "high"
    strings:
        $opt1 = "--donate-level" ascii wide
        $opt2 = "--cpu-max-threads-hint" ascii wide
        $opt3 = "--randomx-mode" ascii wide
        $cfg1 = "\"donate-level\"" ascii wide
        $cfg2 = "\"nicehash\"" ascii wide
        $cfg3 = "\"rig-id\"" ascii wide
        $cfg4 = "\"huge-pages\"" ascii wide
        $alg1 = "randomx" ascii wide nocase
        $alg2 = "cryptonight" ascii wide nocase
        $net1 = "stratum+tcp://" ascii wide
        $net2 = "stratum+ssl://" ascii wide
        $name = "xmrig" ascii wide nocase
    condition:
        4 of them
}

rule MSW_Miner_Stratum_Client
{
    meta:
        description = "A stratum mining client: the JSON-RPC login/subscribe methods with a pool URL or wallet"
        author = "minesweep"
        severity = "high"
    strings:
        $url1 = "stratum+tcp://" ascii wide nocase
        $url2 = "stratum+ssl://" ascii wide nocase
        $url3 = "stratum2+tcp://" ascii wide nocase
        $m1 = "mining.subscribe" ascii wide
        $m2 = "mining.authorize" ascii wide
        $m3 = "\"method\":\"login\"" ascii wide
        $m4 = "\"method\":\"submit\"" ascii wide
        $m5 = "eth_submitLogin" ascii wide
        $xmr = /\b4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}\b/ ascii wide
    condition:
        (any of ($url*) and any of ($m*)) or ($xmr and any of ($url*, $m*))
}

rule MSW_Miner_Competitor_Removal
{
    meta:
        description = "A script that kills or deletes other miners by name before starting its own (MyKings, Kinsing, WannaMine, LemonDuck habit)"
        author = "minesweep"
        severity = "medium"
    strings:
        $k1 = "taskkill" ascii wide nocase
        $k2 = "pkill" ascii wide nocase
        $k3 = "killall" ascii wide nocase
        $k4 = "Stop-Process" ascii wide nocase
        $n1 = "xmrig" ascii wide nocase
        $n2 = "minerd" ascii wide nocase
        $n3 = "kdevtmpfsi" ascii wide nocase
        $n4 = "kinsing" ascii wide nocase
        $n5 = "cryptonight" ascii wide nocase
        $n6 = "xmr-stak" ascii wide nocase
        $n7 = "nicehash" ascii wide nocase
    condition:
        any of ($k*) and 2 of ($n*)
}
