package dev.nightjar.sample;

import java.io.Serializable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The known world behind the sample tables {@code shops}, {@code shop_daily} and {@code
 * campaigns}: every shop, day and campaign is a pure function of (seed, shop number), so any
 * executor can generate any slice, the result never depends on partitioning, and tests and the
 * benchmark can compute the truth a recommendation is judged against.
 *
 * <p>Each shop {@code i} has a hidden state drawn once: a size {@code z ~ N(0,1)}, visitors per day
 * {@code V = exp(4.0 + 0.8 z)}, a conversion rate {@code cr = 0.03 exp(0.3 g)}, an order value, a
 * cost per visitor ({@code 0.40 × country factor × exp(0.3 g)}) and a median campaign budget
 * {@code M = 20 exp(0.6 z + 0.45 g)} (bigger shops spend more, and each shop has its own taste).
 *
 * <ul>
 *   <li><b>Willingness to spend.</b> A shop's campaign budgets are log-normal around {@code M}:
 *       {@code budget = M exp(σ g)} with {@code σ = } {@value #BUDGET_SIGMA}. Its true range at
 *       quantile {@code q} is {@code M exp(σ Φ⁻¹(q))}; the 20th–80th percentile range is {@code
 *       M exp(±0.8416 σ)}. Its always-on ads cost about {@code M} a day ({@code M exp(0.2 g)}, on 95%
 *       of days), plus each campaign's spend spread over its {@value #CAMPAIGN_DAYS} days, so its
 *       daily ad spend shows what it is willing to spend.
 *   <li><b>Chance of sales.</b> A campaign makes at least one sale with probability {@code
 *       sigmoid(-5.3 + 0.9 ln(budget) + 0.6 ln(V) + 0.3 ln(cr / 0.03))}: more budget helps with
 *       diminishing returns, and busier, better-converting shops sell more easily.
 *   <li><b>History.</b> About {@value #NEW_SHOP_SHARE} of shops opened in the last 25 days with a
 *       third of the traffic and no campaigns (cold start); the others existed before the sample
 *       window and create a campaign on a day with probability {@code 0.12 exp(0.4 g)}, up to the day
 *       before the run date (the outcome written is the final one; the jobs treat campaigns
 *       younger than {@code budget.features.outcome-days} as still running).
 * </ul>
 *
 * <p>Days run from {@code runDate - days} to {@code runDate - 1}. A share {@code badShare} of shops
 * get one bad row: a negative or NaN ad spend, a day in the future, a duplicate day, a campaign of
 * an unknown shop, or a campaign with a NaN spend.
 */
public final class TrueResponseModel implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final double BUDGET_SIGMA = 0.4;
  public static final int CAMPAIGN_DAYS = 7;
  public static final double NEW_SHOP_SHARE = 0.06;
  static final double INTERCEPT = -5.3;
  static final double BUDGET_COEF = 0.9;
  static final double VISITOR_COEF = 0.6;
  static final double CONVERSION_COEF = 0.3;

  static final String[] COUNTRIES = {"US", "GB", "DE", "FR", "CA", "AU", "NL", "ES"};
  private static final double[] COUNTRY_CPV = {1.0, 0.9, 0.85, 0.8, 0.95, 1.05, 0.75, 0.7};
  static final String[] CATEGORIES = {
    "Apparel & Accessories", "Home & Garden", "Health & Beauty", "Electronics",
    "Sporting Goods", "Toys & Games", "Food, Beverages & Tobacco", "Arts & Entertainment"
  };

  /** Kinds of deliberately bad rows. */
  public enum Bad { NONE, NEGATIVE_SPEND, NAN_SPEND, FUTURE_DAY, DUPLICATE_DAY, UNKNOWN_SHOP, NAN_CAMPAIGN_SPEND }

  /** A shop's hidden state. */
  public record Shop(
      long index,
      String shopId,
      LocalDate createdAt,
      int createdSecond,
      String country,
      String category,
      double visitorsPerDay,
      double conversionRate,
      double orderValue,
      double medianBudget,
      double costPerVisitor,
      double campaignRate,
      boolean coldStart,
      Bad bad) implements Serializable {}

  public record Campaign(
      String campaignId, String shopId, LocalDate day, int second, String objective, double budget,
      double spend, long visitorsAcquired, double salesGenerated) implements Serializable {}

  public record Day(
      String shopId, LocalDate date, long uniqueVisitors, long orders, double sales, double adSpend,
      double marketingSales) implements Serializable {}

  private final long seed;
  private final long shops;
  private final int days;
  private final LocalDate runDate;
  private final double badShare;

  public TrueResponseModel(long seed, long shops, int days, LocalDate runDate, double badShare) {
    if (shops < 1 || days < 1) {
      throw new IllegalArgumentException("expected shops >= 1 and days >= 1, found " + shops + ", " + days);
    }
    this.seed = seed;
    this.shops = shops;
    this.days = days;
    this.runDate = runDate;
    this.badShare = badShare;
  }

  public long shops() {
    return shops;
  }

  public int days() {
    return days;
  }

  public LocalDate runDate() {
    return runDate;
  }

  public static String shopId(long i) {
    return String.format(Locale.ROOT, "s%07d", i);
  }

  /** The shop number of a generated id, or -1 for an id this model never generates. */
  public static long index(String shopId) {
    if (shopId == null || shopId.length() < 2 || shopId.charAt(0) != 's') {
      return -1;
    }
    try {
      return Long.parseLong(shopId.substring(1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  public Shop shop(long i) {
    SplittableRandom r = new SplittableRandom(mix(seed, i * 4 + 1));
    double z = r.nextGaussian();
    boolean cold = r.nextDouble() < NEW_SHOP_SHARE;
    double visitors = Math.exp(4.0 + 0.8 * z) * (cold ? 0.33 : 1.0);
    double cr = 0.03 * Math.exp(0.3 * r.nextGaussian());
    double aov = 40 * Math.exp(0.3 * r.nextGaussian());
    double median = 20 * Math.exp(0.6 * z + 0.45 * r.nextGaussian());
    int c = r.nextInt(COUNTRIES.length);
    double cpv = 0.40 * COUNTRY_CPV[c] * Math.exp(0.3 * r.nextGaussian());
    String category = CATEGORIES[r.nextInt(CATEGORIES.length)];
    double rate = 0.12 * Math.exp(0.4 * r.nextGaussian());
    LocalDate created =
        cold ? runDate.minusDays(1 + r.nextInt(25)) : runDate.minusDays(days + 30L + r.nextInt(1500));
    int second = r.nextInt(86_400);
    Bad bad = Bad.NONE;
    if (r.nextDouble() < badShare) {
      bad = Bad.values()[1 + r.nextInt(Bad.values().length - 1)];
      if (cold && (bad == Bad.UNKNOWN_SHOP || bad == Bad.NAN_CAMPAIGN_SPEND)) {
        bad = Bad.NEGATIVE_SPEND;
      }
    }
    return new Shop(i, shopId(i), created, second, COUNTRIES[c], category, visitors, cr, aov, median,
        cpv, rate, cold, bad);
  }

  /** The true probability that a campaign of this budget makes at least one sale. */
  public double chance(Shop s, double budget) {
    double logit = INTERCEPT + BUDGET_COEF * Math.log(Math.max(budget, 1e-9))
        + VISITOR_COEF * Math.log(s.visitorsPerDay())
        + CONVERSION_COEF * Math.log(s.conversionRate() / 0.03);
    return 1.0 / (1.0 + Math.exp(-logit));
  }

  /** The shop's true budget at quantile {@code q} of its willingness to spend. */
  public double budgetQuantile(Shop s, double q) {
    return s.medianBudget() * Math.exp(BUDGET_SIGMA * normalQuantile(q));
  }

  /** The first day of data for a shop: the window start, or its creation day if later. */
  private LocalDate firstDay(Shop s) {
    LocalDate start = runDate.minusDays(days);
    return s.createdAt().isAfter(start) ? s.createdAt() : start;
  }

  /** The shop's campaigns, oldest first (none for a cold-start shop). */
  public List<Campaign> campaigns(Shop s) {
    List<Campaign> out = new ArrayList<>();
    if (s.coldStart()) {
      return out;
    }
    SplittableRandom r = new SplittableRandom(mix(seed, s.index() * 4 + 2));
    LocalDate last = runDate.minusDays(1);
    int k = 0;
    for (LocalDate d = firstDay(s); !d.isAfter(last); d = d.plusDays(1)) {
      if (r.nextDouble() >= s.campaignRate()) {
        continue;
      }
      double budget = round2(s.medianBudget() * Math.exp(BUDGET_SIGMA * r.nextGaussian()));
      double spend = round2(budget * (0.85 + 0.15 * r.nextDouble()));
      long acquired = Math.round(spend / (s.costPerVisitor() * Math.exp(0.15 * r.nextGaussian())));
      boolean success = r.nextDouble() < chance(s, budget);
      double sales = success ? round2(s.orderValue() * (1 + (int) (-Math.log(1 - r.nextDouble()) * 1.5))) : 0.0;
      String objective = s.visitorsPerDay() * 30 < 1000 && r.nextDouble() < 0.7 ? "lookalike" : "sales";
      String id = s.shopId() + "-c" + k++;
      String shopId = s.shopId();
      if (s.bad() == Bad.NAN_CAMPAIGN_SPEND && k == 1) {
        spend = Double.NaN;
      }
      out.add(new Campaign(id, shopId, d, r.nextInt(86_400), objective, budget, spend, acquired, sales));
    }
    if (s.bad() == Bad.UNKNOWN_SHOP) {
      out.add(new Campaign("x" + s.shopId() + "-c0", "x" + s.shopId(), last, 0, "sales", 10, 9, 20, 0));
    }
    return out;
  }

  /** The shop's daily rows, oldest first, including its bad row if it has one. */
  public List<Day> days(Shop s, List<Campaign> campaigns) {
    SplittableRandom r = new SplittableRandom(mix(seed, s.index() * 4 + 3));
    LocalDate first = firstDay(s);
    int n = (int) (runDate.toEpochDay() - first.toEpochDay());
    double[] campaignSpend = new double[Math.max(n, 0)];
    for (Campaign c : campaigns) {
      if (!c.shopId().equals(s.shopId()) || Double.isNaN(c.spend())) {
        continue;
      }
      int from = (int) (c.day().toEpochDay() - first.toEpochDay());
      for (int t = Math.max(0, from); t < Math.min(n, from + CAMPAIGN_DAYS); t++) {
        campaignSpend[t] += c.spend() / CAMPAIGN_DAYS;
      }
    }
    List<Day> out = new ArrayList<>(n + 1);
    int badDay = n > 0 ? r.nextInt(n) : 0;
    for (int t = 0; t < n; t++) {
      double v = s.visitorsPerDay();
      long visitors = Math.max(0, Math.round(v + Math.sqrt(v) * r.nextGaussian()));
      double m = visitors * s.conversionRate();
      long orders = Math.min(visitors, Math.max(0, Math.round(m + Math.sqrt(m) * r.nextGaussian())));
      double sales = orders > 0 ? round2(orders * s.orderValue() * Math.exp(0.1 * r.nextGaussian())) : 0.0;
      double always = r.nextDouble() < 0.95 ? s.medianBudget() * Math.exp(0.2 * r.nextGaussian()) : 0.0;
      double adSpend = round2(always + campaignSpend[t]);
      double marketing = round2(sales * Math.min(0.9, adSpend / (adSpend + 20)));
      LocalDate date = first.plusDays(t);
      if (t == badDay) {
        switch (s.bad()) {
          case NEGATIVE_SPEND -> adSpend = -adSpend - 1;
          case NAN_SPEND -> adSpend = Double.NaN;
          case DUPLICATE_DAY -> out.add(new Day(s.shopId(), date, visitors + 1, orders, sales, adSpend, marketing));
          case FUTURE_DAY -> out.add(new Day(s.shopId(), runDate.plusDays(3), visitors, orders, sales, adSpend, marketing));
          default -> { }
        }
      }
      out.add(new Day(s.shopId(), date, visitors, orders, sales, adSpend, marketing));
    }
    return out;
  }

  static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /**
   * The share of the shop's true budget distribution inside {@code [low, high]}: how well a
   * recommended range covers what the shop really spends.
   */
  public double coverage(Shop s, double low, double high) {
    if (!(high >= low) || !(low > 0)) {
      return 0.0;
    }
    double lo = Math.log(low / s.medianBudget()) / BUDGET_SIGMA;
    double hi = Math.log(high / s.medianBudget()) / BUDGET_SIGMA;
    return normalCdf(hi) - normalCdf(lo);
  }

  /** Φ(x) from the complementary error function (Numerical Recipes' erfc, error below 1.2e-7). */
  public static double normalCdf(double x) {
    double z = Math.abs(x) / Math.sqrt(2);
    double t = 1.0 / (1.0 + 0.5 * z);
    double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
        + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? 1 - erfc / 2 : erfc / 2;
  }

  /** Φ⁻¹(q) by Acklam's rational approximation (relative error below 1.2e-9). */
  public static double normalQuantile(double q) {
    if (!(q > 0 && q < 1)) {
      throw new IllegalArgumentException("expected a quantile in (0, 1), found " + q);
    }
    double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
        1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
        6.680131188771972e+01, -1.328068155288572e+01};
    double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
        -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
        3.754408661907416e+00};
    double lo = 0.02425;
    if (q < lo) {
      double t = Math.sqrt(-2 * Math.log(q));
      return (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5])
          / ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1);
    }
    if (q > 1 - lo) {
      return -normalQuantile(1 - q);
    }
    double u = q - 0.5;
    double t = u * u;
    return (((((a[0] * t + a[1]) * t + a[2]) * t + a[3]) * t + a[4]) * t + a[5]) * u
        / (((((b[0] * t + b[1]) * t + b[2]) * t + b[3]) * t + b[4]) * t + 1);
  }

  private static long mix(long seed, long i) {
    long z = seed * 0x9E3779B97F4A7C15L + i + 0x5DEECE66DL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
