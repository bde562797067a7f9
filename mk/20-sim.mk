# The simulator of the CRM.COM side, and the tests of the charge loop (ChargeSync) that run
# against it: property tests, the 10,000-charge nightly run, the sim's vectors and the guide.

TEST_TARGETS += test-sim

.PHONY: test-sim
test-sim:
	$(CARGO) test --locked -p crmcom-netflix-sim
