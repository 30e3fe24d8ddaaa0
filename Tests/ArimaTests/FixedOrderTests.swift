// Fixed-order fits compared with R's forecast::Arima (R 4.2.2, forecast 8.20, Debian
// r-cran-forecast), method "CSS-ML" (the default). Reference figures were produced with:
//
//   library(forecast)
//   p <- function(name, fit) cat(name, coef(fit), fit$loglik, fit$sigma2, fit$aicc)
//   p("lh (1,0,0)", Arima(lh, order=c(1,0,0)))
//   p("lh (3,0,0)", Arima(lh, order=c(3,0,0)))
//   p("lh (1,0,1)", Arima(lh, order=c(1,0,1)))
//   p("LakeHuron (2,0,0)", Arima(LakeHuron, order=c(2,0,0)))
//   p("WWWusage (3,1,0)", Arima(WWWusage, order=c(3,1,0)))
//   p("WWWusage (1,1,1) drift", Arima(WWWusage, order=c(1,1,1), include.drift=TRUE))
//   p("USAccDeaths (0,1,1)(0,1,1)", Arima(USAccDeaths, order=c(0,1,1), seasonal=c(0,1,1)))
//   p("USAccDeaths (1,0,0)(1,1,0) drift", Arima(USAccDeaths, order=c(1,0,0), seasonal=c(1,1,0), include.drift=TRUE))
//   p("log AirPassengers (0,1,1)(0,1,1)", Arima(log(AirPassengers), order=c(0,1,1), seasonal=c(0,1,1)))
//   p("AirPassengers (2,1,1)(0,1,0)", Arima(AirPassengers, order=c(2,1,1), seasonal=c(0,1,0)))
//   f <- forecast(Arima(USAccDeaths, order=c(0,1,1), seasonal=c(0,1,1)), h=3, level=c(80,95))
//   cat(f$mean, f$lower[,1], f$upper[,2])
//
// R's optimiser (BFGS, reltol 1e-8) stops a little short of the optimum and its diffuse
// prior is approximate (kappa = 1e6), so coefficients are compared to 2e-3 (absolute, or
// relative for the regression terms) and log-likelihoods to 5e-3 (R's diffuse prior moves its seasonal fits by ~3e-3).
import XCTest
@testable import ArimaModel

final class FixedOrderTests: XCTestCase {
    struct Ref {
        let name: String
        let y: [Double]
        let order: [Int]
        let seasonal: [Int]
        let period: Int
        let drift: Bool
        let coef: [Double]
        let loglik: Double
        let sigma2: Double
        let aicc: Double
    }

    static let refs: [Ref] = [
        Ref(name: "lh (1,0,0)", y: RData.lh, order: [1, 0, 0], seasonal: [0, 0, 0], period: 1, drift: false,
            coef: [0.573930, 2.413288], loglik: -29.3792, sigma2: 0.206076, aicc: 65.3038),
        Ref(name: "lh (3,0,0)", y: RData.lh, order: [3, 0, 0], seasonal: [0, 0, 0], period: 1, drift: false,
            coef: [0.644797, -0.063374, -0.219806, 2.393127], loglik: -27.0924, sigma2: 0.194902, aicc: 65.6134),
        Ref(name: "lh (1,0,1)", y: RData.lh, order: [1, 0, 1], seasonal: [0, 0, 0], period: 1, drift: false,
            coef: [0.452202, 0.198167, 2.410060], loglik: -28.7620, sigma2: 0.205133, aicc: 66.4543),
        Ref(name: "LakeHuron (2,0,0)", y: RData.lakeHuron, order: [2, 0, 0], seasonal: [0, 0, 0], period: 1, drift: false,
            coef: [1.043614, -0.249498, 579.047322], loglik: -103.6332, sigma2: 0.493941, aicc: 215.6966),
        Ref(name: "WWWusage (3,1,0)", y: RData.wWWusage, order: [3, 1, 0], seasonal: [0, 0, 0], period: 1, drift: false,
            coef: [1.151340, -0.661227, 0.340713], loglik: -251.9970, sigma2: 9.65602, aicc: 512.4195),
        Ref(name: "WWWusage (1,1,1) drift", y: RData.wWWusage, order: [1, 1, 1], seasonal: [0, 0, 0], period: 1, drift: true,
            coef: [0.634369, 0.529699, 1.120474], loglik: -253.7897, sigma2: 10.0301, aicc: 516.0048),
        Ref(name: "USAccDeaths (0,1,1)(0,1,1)", y: RData.uSAccDeaths, order: [0, 1, 1], seasonal: [0, 1, 1], period: 12, drift: false,
            coef: [-0.430269, -0.552791], loglik: -425.4400, sigma2: 102860, aicc: 857.3164),
        Ref(name: "USAccDeaths (1,0,0)(1,1,0) drift", y: RData.uSAccDeaths, order: [1, 0, 0], seasonal: [1, 1, 0], period: 12, drift: true,
            coef: [0.779416, -0.341858, -13.219345], loglik: -436.7204, sigma2: 124374, aicc: 882.1680),
        Ref(name: "log AirPassengers (0,1,1)(0,1,1)", y: RData.airPassengers.map { Foundation.log($0) }, order: [0, 1, 1], seasonal: [0, 1, 1], period: 12, drift: false,
            coef: [-0.401828, -0.556945], loglik: 244.6995, sigma2: 0.00137126, aicc: -483.2101),
        Ref(name: "AirPassengers (2,1,1)(0,1,0)", y: RData.airPassengers, order: [2, 1, 1], seasonal: [0, 1, 0], period: 12, drift: false,
            coef: [0.595981, 0.214275, -0.981877], loglik: -504.9239, sigma2: 132.345, aicc: 1018.1652),
    ]

    func testAgainstR() throws {
        for ref in Self.refs {
            let fit = try ArimaModel.fit(y: ref.y, order: ref.order, seasonal: ref.seasonal, period: ref.period,
                                         includeMean: true, includeDrift: ref.drift)
            let c = fit.coefficients
            XCTAssertEqual(c.count, ref.coef.count, ref.name)
            for (i, (a, b)) in zip(c, ref.coef).enumerated() {
                let tol = i >= fit.ar.count + fit.ma.count + fit.sar.count + fit.sma.count ? 2e-3 * max(1, abs(b)) : 2e-3
                XCTAssertEqual(a, b, accuracy: tol, "\(ref.name) coefficient \(fit.coefficientNames[i])")
            }
            XCTAssertGreaterThan(fit.loglik, ref.loglik - 5e-3, "\(ref.name) loglik \(fit.loglik) vs R \(ref.loglik)")
            XCTAssertEqual(fit.loglik, ref.loglik, accuracy: 2e-2, "\(ref.name) loglik")
            XCTAssertEqual(fit.sigma2, ref.sigma2, accuracy: 5e-3 * ref.sigma2, "\(ref.name) sigma2")
            XCTAssertEqual(fit.aicc, ref.aicc, accuracy: 5e-2, "\(ref.name) aicc")
        }
    }

    /// The automatic search ranks candidates by fits stopped early (`FitEffort.screen`) and
    /// refits the winner from their estimates with the exact tolerance: the screened
    /// log-likelihood is close to the optimum, and the refit reaches the optimum of a fit
    /// from scratch (and R's log-likelihood, as in testAgainstR).
    func testScreenedFitsRefitToTheExactOptimum() throws {
        for ref in Self.refs {
            let spec = try ArimaSpec(order: ref.order, seasonal: ref.seasonal, period: ref.period,
                                     includeMean: true, includeDrift: ref.drift)
            let exact = try ArimaModel.fit(y: ref.y, spec: spec, method: .cssML, secondStart: false)
            let screened = try ArimaModel.fit(y: ref.y, spec: spec, method: .cssML, secondStart: false, effort: .screen)
            XCTAssertEqual(screened.loglik, exact.loglik, accuracy: 1e-2, "\(ref.name) screened")
            let refit = try ArimaModel.fit(y: ref.y, spec: spec, method: .cssML, secondStart: false,
                                           start: screened.ar + screened.ma + screened.sar + screened.sma)
            XCTAssertEqual(refit.loglik, exact.loglik, accuracy: 1e-6, "\(ref.name) refit")
            XCTAssertGreaterThan(refit.loglik, ref.loglik - 5e-3, "\(ref.name) refit vs R")
        }
    }

    // Further references, same R session:
    //   p <- function(name, fit) cat(name, coef(fit), fit$loglik, fit$sigma2)
    //   p("USAccDeaths (1,0,1)(1,0,0) mean+drift", Arima(USAccDeaths, order=c(1,0,1), seasonal=c(1,0,0), include.drift=TRUE))
    //   p("lh (2,0,0) CSS", Arima(lh, order=c(2,0,0), method="CSS"))
    //   p("logAP (0,1,1)(0,1,1) CSS", Arima(log(AirPassengers), order=c(0,1,1), seasonal=c(0,1,1), method="CSS"))
    //   p("WWWusage (2,1,2) ML", Arima(WWWusage, order=c(2,1,2), method="ML"))
    func testMoreAgainstR() throws {
        let a = try ArimaModel.fit(y: RData.uSAccDeaths, order: [1, 0, 1], seasonal: [1, 0, 0], period: 12, includeMean: true, includeDrift: true)
        for (x, r) in zip(a.coefficients, [0.810513, -0.169349, 0.870698, 9816.805777, -14.781962]) {
            XCTAssertEqual(x, r, accuracy: 5e-3 * max(1, abs(r)), "USAccDeaths mean+drift \(a.coefficients)")
        }
        XCTAssertGreaterThan(a.loglik, -532.3230 - 5e-3)
        XCTAssertEqual(a.sigma2, 129459, accuracy: 0.01 * 129459)

        let b = try ArimaModel.fit(y: RData.lh, order: [2, 0, 0], method: .css)
        for (x, r) in zip(b.coefficients, [0.711015, -0.221744, 2.404755]) { XCTAssertEqual(x, r, accuracy: 1e-4, "lh CSS") }
        XCTAssertEqual(b.loglik, -29.0215, accuracy: 1e-3)
        XCTAssertEqual(b.sigma2, 0.200555, accuracy: 1e-5)

        let c = try ArimaModel.fit(y: RData.airPassengers.map { Foundation.log($0) }, order: [0, 1, 1], seasonal: [0, 1, 1], period: 12, method: .css)
        for (x, r) in zip(c.coefficients, [-0.377162, -0.572379]) { XCTAssertEqual(x, r, accuracy: 1e-4, "logAP CSS") }
        XCTAssertEqual(c.loglik, 245.0666, accuracy: 1e-3)
        XCTAssertEqual(c.sigma2, 0.00141028, accuracy: 1e-7)

        let d = try ArimaModel.fit(y: RData.wWWusage, order: [2, 1, 2], method: .ml)
        for (x, r) in zip(d.coefficients, [1.206659, -0.309621, -0.074696, -0.365811]) { XCTAssertEqual(x, r, accuracy: 5e-3, "WWWusage ML") }
        XCTAssertGreaterThan(d.loglik, -253.5816 - 5e-3)
        XCTAssertEqual(d.sigma2, 10.089, accuracy: 0.01 * 10.089)
    }

    func testForecastAgainstR() throws {
        let fit = try ArimaModel.fit(y: RData.uSAccDeaths, order: [0, 1, 1], seasonal: [0, 1, 1], period: 12)
        let f = fit.forecast(h: 3, levels: [80, 95])
        let mean = [8336.061, 7531.829, 8314.644]
        let lo80 = [7924.712, 7058.464, 7786.496]
        let hi95 = [8965.166, 8255.778, 9122.377]
        for i in 0..<3 {
            XCTAssertEqual(f.mean[i], mean[i], accuracy: 2)
            XCTAssertEqual(f.lo[0][i], lo80[i], accuracy: 0.5, "lo80 \(f.lo[0][i])")
            XCTAssertEqual(f.hi[1][i], hi95[i], accuracy: 0.5, "hi95 \(f.hi[1][i])")
        }
        XCTAssertEqual(fit.description, "ARIMA(0,1,1)(0,1,1)[12]")
    }

    // f <- forecast(Arima(WWWusage, order=c(1,1,1), include.drift=TRUE), h=10, level=80)
    // cat(f$mean, f$upper[,1])
    // f <- forecast(Arima(log(AirPassengers), order=c(0,1,1), seasonal=c(0,1,1)), h=24, level=95)
    // cat(f$mean[c(1,12,24)], f$lower[c(1,12,24),1])
    func testLongerForecastsAgainstR() throws {
        let w = try ArimaModel.fit(y: RData.wWWusage, order: [1, 1, 1], includeDrift: true)
        let fw = w.forecast(h: 10, levels: [80])
        let mean = [219.1572, 219.0323, 219.3627, 219.9820, 220.7845, 221.7033, 222.6958, 223.7351, 224.8041, 225.8919]
        let hi = [223.2159, 228.7080, 234.6073, 240.4659, 246.1072, 251.4734, 256.5589, 261.3807, 265.9639, 270.3353]
        for i in 0..<10 {
            XCTAssertEqual(fw.mean[i], mean[i], accuracy: 0.02, "mean \(i)")
            XCTAssertEqual(fw.hi[0][i], hi[i], accuracy: 0.05, "hi80 \(i)")
        }
        let a = try ArimaModel.fit(y: RData.airPassengers.map { Foundation.log($0) }, order: [0, 1, 1], seasonal: [0, 1, 1], period: 12)
        let fa = a.forecast(h: 24, levels: [95])
        for (k, (m, l)) in zip([0, 11, 23], zip([6.11019, 6.16802, 6.26427], [6.03761, 6.00678, 5.99062])) {
            XCTAssertEqual(fa.mean[k], m, accuracy: 5e-4)
            XCTAssertEqual(fa.lo[0][k], l, accuracy: 5e-4)
        }
    }
}
