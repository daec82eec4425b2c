from tests.alerts.conftest import *
def test_smoke(network_rt, sandbox, no_limits):
    rt = network_rt
    sms_in(sandbox, "+9779800000005", "armed men attacked the market in kohalpur, 2 people shot dead")
    ingest_and_classify(rt, T0, "attack_on_civilians", 3, "np-banke")
    print(run_stages(rt, T0))
    for m in outbox(sandbox): print(m)
