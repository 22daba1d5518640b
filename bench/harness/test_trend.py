"""The soak's verdicts on synthetic series: a leak must show, noise must not.
Run: python3 -m unittest discover -s bench/harness"""
import random
import unittest

from trend import trend, verdict

TS = [60 + 10 * i for i in range(55)]  # a 10-minute soak after its warm-up, one sample per 10 s


class Trend(unittest.TestCase):
    def test_a_slow_leak_under_noise_rises(self):
        rng = random.Random(1)
        # 2 MiB/h (0.33 MiB over the 9 minutes) under ±0.05 MiB of noise.
        ys = [20 + 2 * t / 3600 + rng.gauss(0, 0.05) for t in TS]
        t = trend(TS, ys)
        self.assertEqual(t["direction"], "rises")
        self.assertAlmostEqual(t["slope_per_h"], 2, delta=0.3)
        self.assertIn("in 24 h", verdict("RSS", "MiB", t))
        self.assertIn("A leak", verdict("RSS", "MiB", t))

    def test_a_30_minute_soak_sees_1_mib_an_hour(self):
        # The scatter of RSS around its line in a 2-minute soak at 5k clicks/s was ±0.17 MiB; over a
        # 30-minute soak (27 min after the warm-up) a leak of 1 MiB/h, 24 MiB a day, must show.
        ts = [180 + 10 * i for i in range(163)]
        for seed in range(20):
            rng = random.Random(seed)
            t = trend(ts, [22 + t / 3600 + rng.gauss(0, 0.17) for t in ts])
            self.assertEqual(t["direction"], "rises", seed)
            self.assertLess(t["smallest_per_h"], 1)

    def test_noise_alone_is_flat(self):
        for seed in range(50):  # no seed may call noise a trend
            rng = random.Random(seed)
            t = trend(TS, [20 + rng.gauss(0, 0.5) for _ in TS])
            self.assertEqual(t["direction"], "flat", seed)
            self.assertIn("flat within noise", verdict("RSS", "MiB", t))

    def test_a_constant_series_is_flat(self):
        t = trend(TS, [42] * len(TS))
        self.assertEqual((t["direction"], t["slope_per_h"], t["min"], t["max"]), ("flat", 0, 42, 42))
        self.assertEqual(verdict("Threads", "threads", t, "{:,.0f}"), "Threads: 42 threads in every sample after the warm-up.")

    def test_a_change_smaller_than_the_scatter_is_flat(self):
        # Three hours of samples make even a tiny slope many standard errors clear of zero, but it
        # moves the series by 1.2 against a scatter of ±1: not a verdict.
        rng = random.Random(3)
        ts = [10 * i for i in range(1080)]
        t = trend(ts, [10 + 0.4 * t / 3600 + rng.gauss(0, 1) for t in ts])
        self.assertGreater(t["slope_per_h"], 3 * t["slope_se_per_h"])
        self.assertEqual(t["direction"], "flat")

    def test_a_falling_series_falls(self):
        t = trend(TS, [100 - t / 60 for t in TS])
        self.assertEqual(t["direction"], "falls")
        self.assertAlmostEqual(t["slope_per_h"], -60)


if __name__ == "__main__":
    unittest.main()
