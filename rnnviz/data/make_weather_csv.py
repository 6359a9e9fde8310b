"""Regenerate weather.csv, the default CSV of the `csv` task (run once; the CSV is committed).

Three years of invented daily weather: a yearly temperature cycle with day-to-day persistence
(an AR(1) "weather" term), humidity that falls as it gets warmer, and sunshine hours.
Usage: python -m rnnviz.data.make_weather_csv
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def weather(days: int = 1095, seed: int = 1997) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-01-01", periods=days, freq="D")
    season = np.sin(2 * np.pi * (dates.day_of_year.to_numpy() - 110) / 365.25)
    noise = np.zeros(days)
    for t in range(1, days):  # warm and cold spells last a few days
        noise[t] = 0.8 * noise[t - 1] + rng.normal(0, 1.5)
    temperature = 11 + 9 * season + noise
    humidity = np.clip(75 - 1.2 * (temperature - 11) + rng.normal(0, 4, days), 30, 100)
    sunshine = np.clip(4.5 + 3.5 * season - 0.08 * (humidity - 75) + rng.normal(0, 1.5, days), 0, 15)
    return pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "temperature": temperature.round(1),
                         "humidity": humidity.round(0).astype(int), "sunshine": sunshine.round(1)})


if __name__ == "__main__":
    weather().to_csv(Path(__file__).with_name("weather.csv"), index=False)
